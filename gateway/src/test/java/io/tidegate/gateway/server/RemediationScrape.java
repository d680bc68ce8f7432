package io.tidegate.gateway.server;

import io.tidegate.gateway.EmbeddedGateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads what remediation did from a gateway's admin port: its counter on /metrics and /api/state. */
final class RemediationScrape {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private RemediationScrape() {
    }

    /** {@code tidegate_remediation_actions_total{action,outcome}}, 0 when absent. */
    static long actions(EmbeddedGateway gateway, String action, String outcome) throws Exception {
        Matcher m = Pattern.compile("^tidegate_remediation_actions_total\\{(?=[^}]*action=\"" + Pattern.quote(action)
                + "\")(?=[^}]*outcome=\"" + Pattern.quote(outcome) + "\")[^}]*} (\\S+)$", Pattern.MULTILINE)
                .matcher(get(gateway, "/metrics"));
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    /** The first sample of a gauge on /metrics, read as of now; NaN when absent. */
    static double gauge(EmbeddedGateway gateway, String name) throws Exception {
        Matcher m = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*})? (\\S+)$", Pattern.MULTILINE)
                .matcher(get(gateway, "/metrics"));
        return m.find() ? Double.parseDouble(m.group(2)) : Double.NaN;
    }

    /** The console's {@code /api/state}: a snapshot taken every {@code console.push-interval}, so it may lag. */
    static String state(EmbeddedGateway gateway) throws Exception {
        return get(gateway, "/api/state");
    }

    private static String get(EmbeddedGateway gateway, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
