package org.jgolem.it.harness;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jgolem.testkit.Await;

/**
 * A named fact about a subject (a node, the chain) that a test expects, in the style of Besu's
 * acceptance tests: {@code requestor.verify(task(id).finished().within(TWO_MINUTES))}. Looking at
 * the subject gives an {@link Outcome}: met, with a value the test may go on with (the task, the
 * ledger...), or not (yet), with what was seen instead, which the failure message quotes.
 *
 * <p>A condition holds now, or, with {@link #within}, waits until it holds through the harness's
 * one {@link Await} (to become org.jgolem.testkit's when the two copies are unified). A look may
 * also throw an {@link AssertionError}: a fact that can no longer come true (a task that ended
 * otherwise) fails at once, without waiting out the time.
 *
 * @param <S> what it looks at: a {@link NodeProcess}, the {@link TestChain}
 * @param <T> what it gives back when met
 */
public final class Condition<S, T> {
  private final String what;
  private final Function<S, Outcome<T>> look;
  private final Duration timeout;

  /**
   * What one look saw: met with {@code value}, or not, {@link #seen} saying what was there instead.
   */
  public static final class Outcome<T> {
    private final boolean met;
    private final T value;
    private final Supplier<String> seen;

    private Outcome(boolean met, T value, Supplier<String> seen) {
      this.met = met;
      this.value = value;
      this.seen = seen;
    }

    public static <T> Outcome<T> met(T value) {
      return new Outcome<>(true, value, () -> "");
    }

    public static <T> Outcome<T> unmet(String seen) {
      return new Outcome<>(false, null, () -> seen);
    }

    /** Not met; {@code seen} is only asked for the failure message (it may read logs). */
    public static <T> Outcome<T> unmet(Supplier<String> seen) {
      return new Outcome<>(false, null, seen);
    }

    public boolean met() {
      return met;
    }

    public T value() {
      return value;
    }

    public String seen() {
      return seen.get();
    }

    <U> Outcome<U> retype() {
      if (met) throw new IllegalStateException("met");
      return new Outcome<>(false, null, seen);
    }
  }

  private Condition(String what, Function<S, Outcome<T>> look, Duration timeout) {
    this.what = what;
    this.look = look;
    this.timeout = timeout;
  }

  /** A condition named {@code what} (e.g. "task 3f12ab FINISHED"), checked by {@code look}. */
  public static <S, T> Condition<S, T> of(String what, Function<S, Outcome<T>> look) {
    return new Condition<>(what, look, Duration.ZERO);
  }

  /** {@code read}'s value meets {@code test}; the failure message shows the value read. */
  public static <S, T> Condition<S, T> that(
      String what, Function<S, T> read, Predicate<? super T> test) {
    return of(
        what,
        s -> {
          T v = read.apply(s);
          return test.test(v) ? Outcome.met(v) : Outcome.unmet("was " + v);
        });
  }

  /** The same condition, waited for up to {@code timeout} instead of checked once. */
  public Condition<S, T> within(Duration timeout) {
    return new Condition<>(what, look, timeout);
  }

  /** Both at the same look: this one, then {@code other}; gives this one's value. */
  public Condition<S, T> and(Condition<S, ?> other) {
    return new Condition<>(
        what + " and " + other.what,
        s -> {
          Outcome<T> first = look.apply(s);
          if (!first.met()) return first;
          Outcome<?> second = other.look.apply(s);
          return second.met() ? first : second.retype();
        },
        timeout);
  }

  public String what() {
    return what;
  }

  /**
   * Checks it (waiting, if {@link #within} said so) and gives its value; fails saying what was
   * seen.
   */
  public T verify(S subject) {
    if (timeout.isZero()) {
      Outcome<T> o = look.apply(subject);
      if (!o.met()) throw new AssertionError("expected " + what + "; " + o.seen());
      return o.value();
    }
    AtomicReference<Outcome<T>> last = new AtomicReference<>();
    Optional<T> v =
        Await.until(
            what,
            timeout,
            () -> {
              Outcome<T> o = look.apply(subject);
              last.set(o);
              return o.met() ? Optional.ofNullable(o.value()) : null;
            },
            () -> last.get() == null ? "no answer (see the cause)" : last.get().seen());
    return v.orElse(null);
  }

  @Override
  public String toString() {
    return what + (timeout.isZero() ? "" : " within " + timeout.toSeconds() + " s");
  }
}
