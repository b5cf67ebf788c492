package io.herald.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code herald-bench plot FILE... -o docs/bench-latency.png}: latency percentiles against offered
 * load, drawn with XChart from the load reports among JSON lines. Two panels side by side, p50 and
 * p99, both axes logarithmic; the x axis is the offered deliveries per second (publications per
 * second × subscribers); one series per server, transport and subscriber count (colour by server,
 * line style by transport, marker by subscriber count). A run that delivered nothing in its window
 * has no latency and no point. When several lines describe the same server, transport, subscriber
 * count and rate, the last one wins. Output: PNG, or SVG when the file name ends in {@code .svg}
 * (then the two panels are two files, {@code -p50.svg} and {@code -p99.svg}).
 */
@Command(name = "plot", mixinStandardHelpOptions = true,
        description = "Plot latency p50 and p99 against offered deliveries/s per server from JSON report lines.")
public final class PlotCommand implements Callable<Integer> {
    private static final Map<String, Color> COLORS = Map.of(
            "herald", new Color(0x1f77b4), "nchan", new Color(0xd62728), "pushpin", new Color(0x2ca02c));
    private static final Color[] MORE = {new Color(0x9467bd), new Color(0xff7f0e), new Color(0x8c564b),
            new Color(0xe377c2), new Color(0x17becf)};

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Files of JSON report lines.")
    List<Path> files = new ArrayList<>();

    @Option(names = {"-o", "--output"}, defaultValue = "docs/bench-latency.png",
            description = "The image to write, .png or .svg (default: ${DEFAULT-VALUE}).")
    Path output;

    @Option(names = "--only", split = ",", paramLabel = "LABEL",
            description = "Plot only these servers (report labels), e.g. herald,nchan,pushpin (default: all).")
    List<String> only = new ArrayList<>();

    @Option(names = "--title", defaultValue = "Publish-to-delivery latency against offered load (64-byte payloads, server on one core)",
            description = "Title above the panels.")
    String title;

    /** One point: a load run's offered deliveries per second and its latency percentiles in ms. */
    record Point(String server, String transport, int subscribers, double rate, double offered, Double p50, Double p99) {
    }

    @Override
    public Integer call() throws IOException {
        List<Point> points = read(files);
        if (!only.isEmpty()) {
            points.removeIf(p -> !only.contains(p.server()));
        }
        if (points.isEmpty()) {
            throw new CommandLine.ParameterException(new CommandLine(this), "no load reports with latencies in " + files);
        }
        XYChart p50 = chart(points, "p50", true);
        XYChart p99 = chart(points, "p99", false);
        Path parent = output.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        String name = output.getFileName().toString();
        if (name.toLowerCase(Locale.ROOT).endsWith(".svg")) {
            String base = output.toString().substring(0, output.toString().length() - 4);
            VectorGraphicsEncoder.saveVectorGraphic(p50, base + "-p50", VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
            VectorGraphicsEncoder.saveVectorGraphic(p99, base + "-p99", VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        } else {
            int w = p50.getWidth();
            int h = p50.getHeight();
            int top = 36;
            BufferedImage image = new BufferedImage(2 * w, h + top, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = image.createGraphics();
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, 2 * w, h + top);
            g.setColor(Color.BLACK);
            g.setFont(g.getFont().deriveFont(java.awt.Font.BOLD, 16f));
            g.drawString(title, 16, 24);
            g.translate(0, top);
            p50.paint(g, w, h);
            g.translate(w, 0);
            p99.paint(g, w, h);
            g.dispose();
            ImageIO.write(image, "png", output.toFile());
        }
        System.err.println("plot: " + points.size() + " runs -> " + output);
        return 0;
    }

    /** The load reports of {@code files} with a latency, the last line winning per server, transport, subscribers and rate. */
    static List<Point> read(List<Path> files) throws IOException {
        Map<String, Point> byKey = new LinkedHashMap<>();
        for (Path file : files) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.startsWith("{")) {
                    continue;
                }
                JsonNode n = Reports.MAPPER.readTree(line);
                if (!"load".equals(n.path("mode").asText()) || !n.path("latency_p50_ms").isNumber()) {
                    continue;
                }
                int subscribers = n.path("subscribers").asInt();
                double rate = n.path("rate").asDouble();
                Point p = new Point(n.path("label").asText(), n.path("transport").asText(), subscribers, rate,
                        subscribers * rate, n.path("latency_p50_ms").asDouble(),
                        n.path("latency_p99_ms").isNumber() ? n.path("latency_p99_ms").asDouble() : null);
                String key = p.server() + " " + p.transport() + " " + subscribers + " " + rate;
                byKey.remove(key);
                byKey.put(key, p);
            }
        }
        return new ArrayList<>(byKey.values());
    }

    private XYChart chart(List<Point> points, String percentile, boolean legend) {
        XYChart chart = new XYChartBuilder().width(760).height(560)
                .title("latency " + percentile).xAxisTitle("offered deliveries/s (publications/s x subscribers)")
                .yAxisTitle(percentile + " latency, ms").build();
        org.knowm.xchart.style.XYStyler styler = chart.getStyler();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        styler.setLegendVisible(legend);
        styler.setLegendPosition(Styler.LegendPosition.InsideNW);
        styler.setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotGridLinesVisible(true);
        chart.getStyler().setMarkerSize(9);
        Map<String, TreeMap<Double, Double>> series = new LinkedHashMap<>();
        for (Point p : points) {
            Double y = "p50".equals(percentile) ? p.p50() : p.p99();
            if (y == null) {
                continue;
            }
            String name = p.server() + " " + p.transport() + " " + (p.subscribers() >= 1000 && p.subscribers() % 1000 == 0
                    ? p.subscribers() / 1000 + "k" : Integer.toString(p.subscribers())) + " subs";
            series.computeIfAbsent(name, k -> new TreeMap<>()).put(p.offered(), Math.max(y, 0.01));
        }
        int extra = 0;
        Map<String, Color> colors = new LinkedHashMap<>(COLORS);
        for (Map.Entry<String, TreeMap<Double, Double>> e : series.entrySet()) {
            String[] parts = e.getKey().split(" ");
            XYSeries s = chart.addSeries(e.getKey(), new ArrayList<>(e.getValue().keySet()),
                    new ArrayList<>(e.getValue().values()));
            Color color = colors.get(parts[0]);
            if (color == null) {
                color = MORE[extra++ % MORE.length];
                colors.put(parts[0], color);
            }
            s.setLineColor(color);
            s.setMarkerColor(color);
            s.setLineStyle("ws".equals(parts[1]) ? SeriesLines.DASH_DASH : SeriesLines.SOLID);
            s.setLineWidth(2f);
            s.setMarker(parts[2].startsWith("10") ? SeriesMarkers.SQUARE : SeriesMarkers.CIRCLE);
        }
        return chart;
    }

    /** Runs the command; exits with its status. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new PlotCommand()).execute(args));
    }
}
