import { DatabaseError } from '../errors/database.error';

/** A propagation rule was broken: MANDATORY without a transaction, NEVER inside one. */
export class TransactionPropagationError extends DatabaseError {
  /** `propagation` needs (or forbids) an open transaction. */
  static mandatory(): TransactionPropagationError {
    return new TransactionPropagationError('Propagation.Mandatory needs an open transaction, and none is open');
  }

  static never(): TransactionPropagationError {
    return new TransactionPropagationError('Propagation.Never must run outside a transaction, and one is open');
  }
}

/**
 * The connection was lost while COMMIT was in flight: the transaction may or may not have
 * committed. It is not retried (that could apply the work twice); check the data, then decide.
 */
export class TransactionOutcomeUnknownError extends DatabaseError {
  static duringCommit(cause: unknown): TransactionOutcomeUnknownError {
    return new TransactionOutcomeUnknownError(
      'the connection was lost during COMMIT: the outcome is unknown; verify before retrying',
      {
        cause,
      },
    );
  }
}

/** An inner scope failed and its error was swallowed: the whole transaction was rolled back. */
export class TransactionRolledBackError extends DatabaseError {
  static innerFailure(cause: unknown): TransactionRolledBackError {
    return new TransactionRolledBackError('an inner transactional scope failed, so the transaction was rolled back', {
      cause,
    });
  }
}

/**
 * A write in a transaction opened with `readOnly: true` was refused by the server (25006): a bug in
 * the calling code, not a failover, so it is neither retried nor answered 503. Open the
 * transaction without `readOnly` to write in it.
 */
export class ReadOnlyTransactionError extends DatabaseError {
  /** The server refused a write (25006, the `cause`) in a transaction opened with `readOnly: true`. */
  static writeRefused(cause: unknown): ReadOnlyTransactionError {
    return new ReadOnlyTransactionError(
      'a write was refused in a transaction opened with readOnly: open it without readOnly to write',
      { cause },
    );
  }
}
