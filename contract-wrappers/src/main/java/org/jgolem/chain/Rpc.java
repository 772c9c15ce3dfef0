package org.jgolem.chain;

import java.io.IOException;
import org.web3j.protocol.exceptions.TransactionException;
import org.web3j.tx.exceptions.ContractCallException;

/** Runs a web3j call and turns its checked and untyped exceptions into {@link ChainException}s. */
public final class Rpc {
  @FunctionalInterface
  public interface Action<T> {
    T run() throws Exception;
  }

  private Rpc() {}

  public static <T> T call(String context, Action<T> action) {
    try {
      return action.run();
    } catch (ChainException e) {
      throw e;
    } catch (IOException e) {
      throw new ChainException(
          ChainException.Reason.UNAVAILABLE, context + ": " + e.getMessage(), e);
    } catch (TransactionException e) {
      throw new ChainException(ChainException.Reason.TIMEOUT, context + ": " + e.getMessage(), e);
    } catch (ContractCallException e) {
      throw new ChainException(ChainException.Reason.REVERTED, context + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChainException(ChainException.Reason.UNAVAILABLE, context + ": interrupted", e);
    } catch (Exception e) {
      Throwable cause = e.getCause();
      if (cause instanceof ChainException ce) {
        throw ce;
      }
      throw new ChainException(ChainException.Reason.UNAVAILABLE, context + ": " + e, e);
    }
  }
}
