package org.jgolem.concent.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.jgolem.protocol.messages.codec.MessageCodec;

/**
 * The client's HTTP exchange: sends a request, turns a refusal into a {@link
 * ConcentClientException} with the server's code and reason, and checks that a success comes from a
 * Concent of this protocol version.
 */
final class Transport {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String VERSION = Integer.toString(MessageCodec.PROTOCOL_VERSION);

  private final HttpClient http;
  private final String base;

  Transport(HttpClient http, String base) {
    this.http = http;
    this.base = base;
  }

  <T> HttpResponse<T> send(HttpRequest req, String what, HttpResponse.BodyHandler<T> handler)
      throws IOException {
    HttpResponse<T> r;
    try {
      r = http.send(req, handler);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConcentClientException(0, "client.interrupted", "interrupted: " + what, e);
    } catch (IOException e) {
      throw new ConcentClientException(
          0, "client.transport", "no answer from Concent at " + base + " to " + what + ": " + e, e);
    }
    if (r.statusCode() / 100 != 2) {
      throw refusal(r, what);
    }
    String v = r.headers().firstValue("Concent-Protocol-Version").orElse(null);
    if (v == null || !v.strip().split("\\.", 2)[0].equals(VERSION)) {
      closeQuietly(r);
      throw ConcentClient.badReply(
          base
              + " answered "
              + what
              + " without Concent-Protocol-Version "
              + VERSION
              + " ("
              + v
              + "): is it Concent?");
    }
    return r;
  }

  private static <T> ConcentClientException refusal(HttpResponse<T> r, String what) {
    byte[] bytes;
    try {
      Object body = r.body();
      bytes =
          body instanceof byte[] b
              ? b
              : body instanceof InputStream in ? in.readNBytes(64 * 1024) : new byte[0];
    } catch (IOException e) {
      bytes = new byte[0];
    }
    try {
      JsonNode j = JSON.readTree(bytes);
      if (j != null && j.has("error") && j.has("code")) {
        return new ConcentClientException(
            r.statusCode(), j.get("code").asText(), j.get("error").asText());
      }
    } catch (IOException | RuntimeException e) {
      // not our JSON: report the text
    }
    String text = new String(bytes, StandardCharsets.UTF_8).strip();
    return new ConcentClientException(
        r.statusCode(),
        "http." + r.statusCode(),
        what + " failed" + (text.isEmpty() ? "" : ": " + text));
  }

  private static void closeQuietly(HttpResponse<?> r) {
    if (r.body() instanceof InputStream in) {
      try {
        in.close();
      } catch (IOException e) {
        // nothing more to do
      }
    }
  }
}
