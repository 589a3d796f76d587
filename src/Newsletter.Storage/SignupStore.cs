using System.Security.Cryptography;
using Dapper;
using Newsletter.Core.Lists;
using Newsletter.Core.Signups;

namespace Newsletter.Storage;

/// <summary>
/// Readers who join lists from the web (<see cref="ISignupStore"/>), in the <c>pending_signups</c> and <c>joined_readers</c>
/// tables. The send reads <c>joined_readers</c> itself, in the transaction that records its deliveries (<see cref="SendStore"/>).
/// </summary>
public sealed class SignupStore : ISignupStore
{
    private const string JoinedColumns = """
        list_name AS ListName, email AS Email, name AS Name, consent_sha256 AS ConsentHash, consented_at AS ConsentedAt, confirmed_at AS ConfirmedAt
        """;

    private readonly StoreDatabase _database;
    private readonly TimeProvider _time;

    public SignupStore(StoreDatabase database, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public async Task<string?> RequestAsync(SignupRequest request, TimeSpan validFor, TimeSpan mailInterval, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var key = EmailKey.Of(request.Email).Value;
        var now = _time.GetUtcNow();
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Read, decide and write with no other request for this address in between: of two forms sent at once, one mails.
        await _database.SerializeAsync(connection, transaction, $"newsletter:signup:{request.ListName}:{key}", cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM pending_signups WHERE expires_at <= @now",
            new { now = DbText.Timestamp(now) }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);

        var lastMailed = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT requested_at FROM pending_signups WHERE list_name = @listName AND email_key = @key",
            new { listName = request.ListName, key }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (lastMailed is not null && DbText.ParseTimestamp(lastMailed) > now - mailInterval)
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }

        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO pending_signups (list_name, email_key, email, name, consent_sha256, requested_at, nonce, expires_at)
            VALUES (@listName, @key, @email, @name, @consent, @now, @nonce, @expires)
            ON CONFLICT (list_name, email_key) DO UPDATE SET email = excluded.email, name = excluded.name,
                consent_sha256 = excluded.consent_sha256, requested_at = excluded.requested_at, nonce = excluded.nonce, expires_at = excluded.expires_at
            """,
            new
            {
                listName = request.ListName,
                key,
                email = request.Email.Trim(),
                name = request.Name,
                consent = request.ConsentHash,
                now = DbText.Timestamp(now),
                nonce,
                expires = DbText.Timestamp(now + validFor),
            }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return nonce;
    }

    /// <inheritdoc />
    public async Task WithdrawAsync(string listName, string email, string nonce, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM pending_signups WHERE list_name = @listName AND email_key = @key AND nonce = @nonce",
            new { listName, key = EmailKey.Of(email).Value, nonce }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<JoinedReader?> ConfirmAsync(string listName, string email, string nonce, CancellationToken cancellationToken)
    {
        var key = EmailKey.Of(email).Value;
        var now = _time.GetUtcNow();
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await _database.SerializeAsync(connection, transaction, $"newsletter:signup:{listName}:{key}", cancellationToken).ConfigureAwait(false);
        // Deleting the waiting row is what makes the link single-use: a second press, here or on another machine, deletes nothing.
        var pending = await connection.QuerySingleOrDefaultAsync<PendingRow>(new CommandDefinition("""
            DELETE FROM pending_signups
            WHERE list_name = @listName AND email_key = @key AND nonce = @nonce AND expires_at > @now
            RETURNING email AS Email, name AS Name, consent_sha256 AS ConsentHash, requested_at AS RequestedAt
            """,
            new { listName, key, nonce, now = DbText.Timestamp(now) }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (pending is null)
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }

        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO joined_readers (list_name, email_key, email, name, consent_sha256, consented_at, confirmed_at)
            VALUES (@listName, @key, @email, @name, @consent, @consentedAt, @now)
            ON CONFLICT (list_name, email_key) DO UPDATE SET email = excluded.email, name = excluded.name,
                consent_sha256 = excluded.consent_sha256, consented_at = excluded.consented_at, confirmed_at = excluded.confirmed_at
            """,
            new
            {
                listName,
                key,
                email = pending.Email,
                name = pending.Name,
                consent = pending.ConsentHash,
                consentedAt = pending.RequestedAt,
                now = DbText.Timestamp(now),
            }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new JoinedReader(listName, pending.Email, pending.Name, pending.ConsentHash, DbText.ParseTimestamp(pending.RequestedAt), DbText.ParseTimestamp(DbText.Timestamp(now)));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<JoinedReader>> ListJoinedAsync(string listName, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<JoinedRow>(new CommandDefinition(
            $"SELECT {JoinedColumns} FROM joined_readers WHERE list_name = @listName ORDER BY confirmed_at, email_key",
            new { listName }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => r.ToReader()).ToList();
    }

    /// <inheritdoc />
    public async Task<bool> IsJoinedAsync(string listName, string email, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM joined_readers WHERE list_name = @listName AND email_key = @key)",
            new { listName, key = EmailKey.Of(email).Value }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> RemoveAsync(string listName, string email, CancellationToken cancellationToken)
    {
        var parameters = new { listName, key = EmailKey.Of(email).Value };
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM pending_signups WHERE list_name = @listName AND email_key = @key",
            parameters, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var removed = await connection.ExecuteAsync(new CommandDefinition("DELETE FROM joined_readers WHERE list_name = @listName AND email_key = @key",
            parameters, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return removed > 0;
    }

    /// <inheritdoc />
    public async Task<int> PurgeExpiredAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(new CommandDefinition("DELETE FROM pending_signups WHERE expires_at <= @now",
            new { now = DbText.Timestamp(_time.GetUtcNow()) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>The confirmed readers of a list as subscribers, read inside the caller's transaction (the send's creation).</summary>
    internal static async Task<IReadOnlyList<Subscriber>> JoinedSubscribersAsync(System.Data.Common.DbConnection connection,
        System.Data.Common.DbTransaction transaction, string listName, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<(string Email, string? Name)>(new CommandDefinition(
            "SELECT email, name FROM joined_readers WHERE list_name = @listName ORDER BY confirmed_at, email_key",
            new { listName }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false))
        .Select(r => new Subscriber(r.Email, r.Name)).ToList();

    private sealed class PendingRow
    {
        public string Email { get; set; } = "";
        public string? Name { get; set; }
        public string ConsentHash { get; set; } = "";
        public string RequestedAt { get; set; } = "";
    }

    private sealed class JoinedRow
    {
        public string ListName { get; set; } = "";
        public string Email { get; set; } = "";
        public string? Name { get; set; }
        public string ConsentHash { get; set; } = "";
        public string ConsentedAt { get; set; } = "";
        public string ConfirmedAt { get; set; } = "";

        public JoinedReader ToReader() =>
            new(ListName, Email, Name, ConsentHash, DbText.ParseTimestamp(ConsentedAt), DbText.ParseTimestamp(ConfirmedAt));
    }
}
