using Newsletter.Core.Deliveries;

namespace Newsletter.Delivery.Sending;

/// <summary>
/// The <see cref="ErrorBudget"/> as a batch run checks it after a permanent failure: against the whole send's counts, read
/// from the store, but not on every failure.
/// </summary>
internal sealed class ErrorBudgetCheck(IDeliveryProgress progress, SendingOptions options, TimeProvider clock)
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly ErrorBudget _budget = new(options.ErrorBudget, options.ErrorBudgetMinimumAttempts);

    /// <returns>Why the send must pause, or null while it is within its budget.</returns>
    public async Task<string?> ExceededAsync(BatchRun run, CancellationToken cancellationToken)
    {
        // Counting the whole send on every failure made a large send with many (tolerated) failures quadratic. The first
        // failures of a run are always checked, so a broken send stops early; after that, once a second is enough.
        var now = clock.GetUtcNow();
        if (run.Failed > options.ErrorBudgetMinimumAttempts && now - run.LastBudgetCheck < Interval)
        {
            return null;
        }
        run.LastBudgetCheck = now;

        var counts = await progress.CountAsync(run.Send.IssueNumber, run.Send.Id, cancellationToken);
        var tried = counts.Sent + counts.Failed;
        if (!_budget.IsExceeded(counts.Failed, tried))
        {
            return null;
        }
        return $"{counts.Failed} of {tried} messages failed permanently: with 99% confidence more than the error budget of " +
               $"{options.ErrorBudget:P0} (Newsletter:Sending:ErrorBudget). See `newsletter status {run.Send.IssueNumber}`; resume with " +
               $"`newsletter send {run.Send.IssueNumber} --list {run.Send.ListName} --resume`.";
    }
}
