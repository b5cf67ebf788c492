package io.herald.server.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a YAML configuration file (YAML 1.1, through Jackson's YAML module) into its scalar values
 * by dotted key path, each with the line it stands on, so that every error can name the file and
 * line: {@code server:\n  port: 9000} gives {@code server.port -> "9000" (line 2)}. Mappings nest;
 * item {@code i} of a list is {@code key[i]} ({@code cors.allowed-origins[0]}, {@code auth.keys[1].alg}).
 * Multi-document files are refused, as are duplicate keys. Stateless.
 */
final class YamlFile {
    /** One scalar of the file: its text ({@code null} for a YAML null) and where it stands. */
    record Scalar(String text, Source source) {
    }

    private YamlFile() {
    }

    /**
     * The scalars of {@code file} by dotted key path, in file order.
     *
     * @param file  the file to read
     * @param shown how the file is named in messages, e.g. the path as given on the command line
     * @throws ConfigException for a file that cannot be read or is not a YAML mapping of mappings
     *                         and scalars, naming the file and line
     */
    static Map<String, Scalar> read(Path file, String shown) {
        Map<String, Scalar> out = new LinkedHashMap<>();
        YAMLFactory yaml = new YAMLFactory();
        yaml.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             JsonParser p = yaml.createParser(in)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                return out; // an empty file: every setting keeps its default
            }
            if (first != JsonToken.START_OBJECT) {
                throw new ConfigException(shown + ":" + line(p) + ": the file must be a mapping of keys (e.g. server:), not "
                        + describe(first));
            }
            readMapping(p, "", shown, out);
            if (p.nextToken() != null) {
                throw new ConfigException(shown + ":" + line(p) + ": one YAML document expected, found another");
            }
        } catch (NoSuchFileException e) {
            throw new ConfigException(shown + ": no such file");
        } catch (JsonParseException e) {
            JsonLocation at = e.getLocation();
            throw new ConfigException(shown + ":" + (at == null ? "?" : at.getLineNr()) + ": " + e.getOriginalMessage()
                    .replace('\n', ' '));
        } catch (IOException e) {
            throw new ConfigException(shown + ": cannot be read (" + e.getMessage() + ")");
        }
        return out;
    }

    private static void readMapping(JsonParser p, String prefix, String shown, Map<String, Scalar> out) throws IOException {
        for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
            String key = prefix + p.currentName();
            int line = line(p);
            JsonToken value = p.nextToken();
            switch (value) {
                case START_OBJECT -> readMapping(p, key + ".", shown, out);
                case START_ARRAY -> readList(p, key, line, shown, out);
                case VALUE_NULL -> out.put(key, new Scalar(null, Source.file(shown, line)));
                default -> out.put(key, new Scalar(p.getText(), Source.file(shown, line)));
            }
        }
    }

    /**
     * A list: item {@code i} of {@code key} is {@code key[i]} (a scalar) or the keys {@code key[i].name}
     * (a mapping); an empty list is the one key {@code key[]} with no text. Lists of lists are refused.
     */
    private static void readList(JsonParser p, String key, int start, String shown, Map<String, Scalar> out) throws IOException {
        int i = 0;
        Setting setting = Settings.byKey(key);
        if (!Settings.LIST_SECTIONS.containsKey(key) && (setting == null || setting.type() != Setting.Type.LIST)
                && !key.startsWith(Settings.NAMESPACES + ".")) {
            throw new ConfigException(shown + ":" + start + ": " + key + ": a list is not a value of "
                    + (setting == null ? "any setting" : "this setting"));
        }
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken(), i++) {
            String item = key + "[" + i + "]";
            switch (t) {
                case START_OBJECT -> readMapping(p, item + ".", shown, out);
                case START_ARRAY -> throw new ConfigException(shown + ":" + line(p) + ": " + item + ": a list in a list");
                case VALUE_NULL -> out.put(item, new Scalar(null, Source.file(shown, line(p))));
                default -> out.put(item, new Scalar(p.getText(), Source.file(shown, line(p))));
            }
        }
        if (i == 0) {
            out.put(key + "[]", new Scalar(null, Source.file(shown, start)));
        }
    }

    private static int line(JsonParser p) {
        return p.currentTokenLocation().getLineNr();
    }

    private static String describe(JsonToken token) {
        return switch (token) {
            case START_ARRAY -> "a list";
            case START_OBJECT -> "mapping";
            case VALUE_STRING, VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT, VALUE_TRUE, VALUE_FALSE -> "a single value";
            default -> token.toString();
        };
    }
}
