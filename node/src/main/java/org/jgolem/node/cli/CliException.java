package org.jgolem.node.cli;

import java.util.List;

/** A failed operation: the CLI prints the message (and details) to stderr and exits with 1. */
class CliException extends RuntimeException {
  private final List<String> details;

  CliException(String message) {
    this(message, List.of(), null);
  }

  CliException(String message, List<String> details, Throwable cause) {
    super(message, cause);
    this.details = List.copyOf(details);
  }

  List<String> details() {
    return details;
  }
}
