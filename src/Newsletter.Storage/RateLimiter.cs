using Dapper;
using Newsletter.Core.Deliveries;

namespace Newsletter.Storage;

/// <summary>
/// Rate limits shared by every process on the store, as GCRA token buckets (one row per key and period holding the
/// theoretical arrival time of the next message). All of a key's buckets are checked and charged in one transaction.
/// </summary>
/// <remarks>
/// A bucket of N per period admits a message every period/N with no burst, so no window of one period ever holds more
/// than N messages, rather than N at once then a stall.
/// </remarks>
public sealed class RateLimiter : IRateLimiter
{
    private readonly StoreDatabase _database;
    private readonly TimeProvider _time;

    public RateLimiter(StoreDatabase database, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public async Task<TimeSpan> TryAcquireAsync(string key, IReadOnlyList<RateLimit> limits, CancellationToken cancellationToken)
    {
        if (limits.Count == 0)
        {
            return TimeSpan.Zero;
        }

        await using var connection = await _database.OpenForDeliveryLogAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Read, decide and write with no other process in between: every process on the store draws from these buckets.
        await _database.SerializeAsync(connection, transaction, $"newsletter:rate-limit:{key}", cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow().UtcTicks;
        var wait = 0L;
        var updates = new List<(string Bucket, long Tat)>(limits.Count);
        foreach (var limit in limits)
        {
            var bucket = $"{key}/{limit.Messages}/{limit.Period.Ticks}";
            var interval = limit.Period.Ticks / limit.Messages;
            var tat = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                "SELECT tat FROM rate_limits WHERE key = @bucket", new { bucket }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false) ?? now;
            var start = Math.Max(tat, now);
            // The next message may go at 'start' only if start is not in the future.
            if (start > now)
            {
                wait = Math.Max(wait, start - now);
            }
            updates.Add((bucket, start + interval));
        }

        if (wait > 0)
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return TimeSpan.FromTicks(wait);
        }

        foreach (var (bucket, tat) in updates)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO rate_limits (key, tat) VALUES (@bucket, @tat) ON CONFLICT (key) DO UPDATE SET tat = excluded.tat",
                new { bucket, tat }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return TimeSpan.Zero;
    }
}
