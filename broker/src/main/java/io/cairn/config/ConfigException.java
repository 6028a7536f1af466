package io.cairn.config;

import java.util.List;

/**
 * A configuration file that cannot be used: every problem found, each naming the file, the line,
 * the key, the value and what is allowed.
 *
 * <p>Threading: immutable.
 */
public final class ConfigException extends Exception {

    private final List<String> errors;

    public ConfigException(List<String> errors) {
        super(String.join(System.lineSeparator(), errors));
        this.errors = List.copyOf(errors);
    }

    public List<String> errors() {
        return errors;
    }
}
