package org.jgolem.concent.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Set;

/** One request being handled: its method, path, headers and (size-limited) body. */
final class Call {
  final HttpExchange ex;
  final String method;
  final String path;
  final String pathAndQuery;

  Call(HttpExchange ex) {
    this.ex = ex;
    this.method = ex.getRequestMethod();
    this.path = ex.getRequestURI().getRawPath();
    String q = ex.getRequestURI().getRawQuery();
    this.pathAndQuery = q == null ? path : path + "?" + q;
  }

  String header(String name) {
    return ex.getRequestHeaders().getFirst(name);
  }

  String query() {
    return ex.getRequestURI().getRawQuery();
  }

  /** The declared Content-Length, or -1 if none (chunked). */
  long declaredLength() throws Refusal {
    String declared = header("Content-Length");
    if (declared == null) {
      return -1;
    }
    try {
      long n = Long.parseLong(declared.strip());
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw Refusal.badRequest(
          "request.bad_content_length", "malformed Content-Length header '" + declared + "'");
    }
  }

  /** The whole body; 413 past {@code max} bytes (before reading, if Content-Length says so). */
  byte[] body(int max) throws Refusal, IOException {
    long declared = declaredLength();
    if (declared > max) {
      throw tooLarge(max, declared + " bytes");
    }
    try (InputStream in = ex.getRequestBody()) {
      if (declared >= 0) {
        byte[] b = in.readNBytes((int) declared);
        if (b.length != declared) {
          throw new IOException("the body ended after " + b.length + " of " + declared + " bytes");
        }
        return b;
      }
      byte[] b = in.readNBytes(max + 1);
      if (b.length > max) {
        throw tooLarge(max, "more than that");
      }
      return b;
    }
  }

  static Refusal tooLarge(long max, String got) {
    return new Refusal(
        413,
        "request.too_large",
        "the request body is too large: at most " + max + " bytes are accepted, got " + got);
  }

  /** Refuses a body without a Content-Type (400) or of another type than {@code accepted} (415). */
  void requireContentType(Set<String> accepted) throws Refusal {
    String type = header("Content-Type");
    if (type == null || type.isBlank()) {
      throw Refusal.badRequest(
          "request.missing_content_type",
          method + " " + path + " needs a Content-Type header: " + String.join(" or ", accepted));
    }
    String base = type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    if (!accepted.contains(base)) {
      throw new Refusal(
          415,
          "request.unsupported_media_type",
          method
              + " "
              + path
              + " takes Content-Type "
              + String.join(" or ", accepted)
              + ", got '"
              + type
              + "'");
    }
  }
}
