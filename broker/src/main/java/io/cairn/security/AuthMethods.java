package io.cairn.security;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The enhanced authentication methods the broker offers, by Authentication Method name (exact,
 * case-sensitive match as the 5.0 specification compares UTF-8 strings).
 *
 * <p>Threading: immutable; safe from any thread.
 */
public final class AuthMethods {

    /** No enhanced authentication: every Authentication Method is refused with 0x8C. */
    public static final AuthMethods NONE = new AuthMethods(Map.of());

    private final Map<String, EnhancedAuthenticator> byName;

    private AuthMethods(Map<String, EnhancedAuthenticator> byName) {
        this.byName = byName;
    }

    public static AuthMethods of(List<EnhancedAuthenticator> methods) {
        Map<String, EnhancedAuthenticator> m = new LinkedHashMap<>();
        for (EnhancedAuthenticator a : methods) {
            if (m.put(a.method(), a) != null) {
                throw new IllegalArgumentException("authentication method " + a.method() + " given twice");
            }
        }
        return new AuthMethods(Map.copyOf(m));
    }

    /** The authenticator of {@code method}, or null when it is not offered. */
    public EnhancedAuthenticator find(String method) {
        return method == null ? null : byName.get(method);
    }
}
