using Newsletter.Core.Deliveries;
using Newsletter.Delivery.Transports;

namespace Newsletter.Delivery.Sending;

/// <summary>What an outcome does to the delivery in hand.</summary>
public enum DeliveryAction
{
    /// <summary>Failed for good.</summary>
    Fail,

    /// <summary>Failed for good, and the address suppressed: the recipient is refused.</summary>
    FailAndSuppress,

    /// <summary>Tried again later, with backoff.</summary>
    Defer,

    /// <summary>Tried again later, and counted as uncertain: the server may have it already.</summary>
    DeferUncertain,

    /// <summary>Back to pending, untried: the fault is not the recipient's.</summary>
    Release,
}

/// <summary>What an outcome does to the connection the batch sends over.</summary>
public enum ConnectionAction
{
    /// <summary>Goes on with the next message.</summary>
    GoOn,

    /// <summary>A connection fault: counts towards giving up on the run (<see cref="SendOutcomePolicy.GivesUp"/>).</summary>
    CountFault,

    /// <summary>The server asks us to slow down: the connection pauses (<see cref="SendOutcomePolicy.ThrottlePause"/>) and the fault counts.</summary>
    BackOff,
}

/// <summary>What an outcome does to the send.</summary>
public enum SendAction
{
    /// <summary>Goes on.</summary>
    GoOn,

    /// <summary>Goes on unless the permanent failures exceed the error budget (<see cref="ErrorBudget"/>), which pauses it.</summary>
    CheckErrorBudget,

    /// <summary>Pauses, with the reason: every message would fail the same way, and only a person can fix it.</summary>
    Pause,
}

/// <summary>The three effects of one outcome.</summary>
public readonly record struct OutcomeRule(DeliveryAction Delivery, ConnectionAction Connection, SendAction Send);

/// <summary>
/// The send engine's rules, with no I/O: what each <see cref="DeliveryFailure"/> does to the message, the connection and the
/// send, when a deferral becomes a failure, how long a throttled connection pauses, and when a run gives up on its connection.
/// <see cref="BatchSender"/> carries them out; <see cref="ErrorBudget"/> is the rule for "too many failures".
/// </summary>
public static class SendOutcomePolicy
{
    /// <summary>A connection that fails this many times in a row ends the run; its deliveries are deferred.</summary>
    public const int ConnectionFailuresBeforeGivingUp = 3;

    /// <summary>The longest a throttled connection pauses, however often it is asked to slow down.</summary>
    public static readonly TimeSpan LongestThrottlePause = TimeSpan.FromSeconds(120);

    /// <summary>The rule for a failure the transport reports.</summary>
    public static OutcomeRule For(DeliveryFailure failure) => failure switch
    {
        DeliveryFailure.RecipientRefused => new(DeliveryAction.FailAndSuppress, ConnectionAction.GoOn, SendAction.CheckErrorBudget),
        // The message itself was refused (e.g. 552 too big): not the subscriber's fault, so no suppression.
        DeliveryFailure.MessageRefused => new(DeliveryAction.Fail, ConnectionAction.GoOn, SendAction.CheckErrorBudget),
        // This recipient's transient failure: it waits for its retry, the connection goes on with the next one.
        DeliveryFailure.MessageDeferred => new(DeliveryAction.Defer, ConnectionAction.GoOn, SendAction.GoOn),
        // A refused login, a certificate that fails validation, a relay without the required STARTTLS, a refused sender: every
        // message would fail the same way, and waiting does not fix it.
        DeliveryFailure.SessionRefused or DeliveryFailure.SenderRefused => new(DeliveryAction.Release, ConnectionAction.GoOn, SendAction.Pause),
        DeliveryFailure.Throttled => new(DeliveryAction.Defer, ConnectionAction.BackOff, SendAction.GoOn),
        // The server may have taken it: sent again later, and counted as a possible duplicate.
        DeliveryFailure.ReplyLost => new(DeliveryAction.DeferUncertain, ConnectionAction.CountFault, SendAction.GoOn),
        DeliveryFailure.ConnectionLost => new(DeliveryAction.Defer, ConnectionAction.CountFault, SendAction.GoOn),
        _ => throw new ArgumentOutOfRangeException(nameof(failure), failure, "No rule for this failure."),
    };

    /// <summary>A deferral whose first attempt is older than the retry window fails instead.</summary>
    public static bool RetryWindowPassed(DateTimeOffset firstAttempt, DateTimeOffset now, TimeSpan retryWindow) => now - firstAttempt >= retryWindow;

    /// <summary>How long a connection pauses when throttled, after <paramref name="throttlesSoFar"/> earlier throttles in this run: doubling, capped.</summary>
    public static TimeSpan ThrottlePause(double pauseSeconds, int throttlesSoFar) =>
        TimeSpan.FromSeconds(Math.Min(pauseSeconds * Math.Pow(2, throttlesSoFar), LongestThrottlePause.TotalSeconds));

    /// <summary>Whether the run leaves the rest of its batch for the next run: the server is unwell, so do not hammer it.</summary>
    public static bool GivesUp(int connectionFailuresInARow) => connectionFailuresInARow >= ConnectionFailuresBeforeGivingUp;
}
