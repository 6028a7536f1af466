package io.cairn.test;

/** Runs a body with a JVM system property set (or cleared, for null) and puts the old value back. */
public final class SystemProperty {

    public interface Body {
        void run() throws Exception;
    }

    private SystemProperty() {
    }

    public static void with(String name, String value, Body body) throws Exception {
        String before = System.getProperty(name);
        set(name, value);
        try {
            body.run();
        } finally {
            set(name, before);
        }
    }

    private static void set(String name, String value) {
        if (value == null) {
            System.clearProperty(name);
        } else {
            System.setProperty(name, value);
        }
    }
}
