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
 * a sequence of scalars is one value (for list settings); other lists and multi-document files are
 * refused, as are duplicate keys. Stateless.
 */
final class YamlFile {
    /**
     * One value of the file and where it stands: a scalar's text ({@code null} for a YAML null), or
     * the items of a sequence of scalars ({@code items} non-null, {@code text} null).
     */
    record Scalar(String text, Source source, List<String> items) {
        Scalar(String text, Source source) {
            this(text, source, null);
        }
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
                case START_ARRAY -> out.put(key, new Scalar(null, Source.file(shown, line), readSequence(p, key, shown)));
                case VALUE_NULL -> out.put(key, new Scalar(null, Source.file(shown, line)));
                default -> out.put(key, new Scalar(p.getText(), Source.file(shown, line)));
            }
        }
    }

    /** The items of a sequence of scalars (a YAML list of nulls, lists or mappings is refused). */
    private static List<String> readSequence(JsonParser p, String key, String shown) throws IOException {
        List<String> items = new ArrayList<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (!t.isScalarValue() || t == JsonToken.VALUE_NULL) {
                throw new ConfigException(shown + ":" + line(p) + ": " + key + ": a list of single values expected, not "
                        + (t == JsonToken.VALUE_NULL ? "an empty item" : "a nested " + describe(t)));
            }
            items.add(p.getText());
        }
        return items;
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
