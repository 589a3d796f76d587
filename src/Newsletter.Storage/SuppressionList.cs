using Dapper;
using Newsletter.Core.Lists;

namespace Newsletter.Storage;

/// <summary>The suppression list in the <c>suppressions</c> table. Addresses are matched by their <see cref="EmailKey"/>.</summary>
public sealed class SuppressionList : ISuppressionList
{
    private readonly StoreDatabase _database;
    private readonly TimeProvider _time;

    public SuppressionList(StoreDatabase database, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public async Task<bool> AddAsync(string email, string? listName, SuppressionReason reason, string? detail, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO suppressions (email_key, list_name, email, reason, detail, created_at)
            VALUES (@key, @listName, @email, @reason, @detail, @now)
            ON CONFLICT DO NOTHING
            """,
            new { key = EmailKey.Of(email).Value, email = email.Trim(), listName = listName ?? "", reason = DbText.SuppressionReason(reason), detail, now = DbText.Timestamp(_time.GetUtcNow()) },
            cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async Task<int> RemoveAsync(string email, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM suppressions WHERE email_key = @key", new { key = EmailKey.Of(email).Value }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> RemoveAsync(string email, string listName, SuppressionReason reason, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        ArgumentException.ThrowIfNullOrEmpty(listName);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM suppressions WHERE email_key = @key AND list_name = @listName AND reason = @reason",
            new { key = EmailKey.Of(email).Value, listName, reason = DbText.SuppressionReason(reason) }, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async Task<bool> IsSuppressedAsync(string email, string listName, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM suppressions WHERE email_key = @key AND list_name IN ('', @listName))",
            new { key = EmailKey.Of(email).Value, listName }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Suppression>> FindAsync(string email, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        return QueryAsync("WHERE email_key = @key", new { key = EmailKey.Of(email).Value }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Suppression>> ListAsync(CancellationToken cancellationToken) => QueryAsync("", null, cancellationToken);

    private async Task<IReadOnlyList<Suppression>> QueryAsync(string where, object? parameters, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT email AS Email, list_name AS ListName, reason AS Reason, detail AS Detail, created_at AS CreatedAt FROM suppressions {where} ORDER BY created_at DESC, email_key",
            parameters, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new Suppression(r.Email, r.ListName == "" ? null : r.ListName, DbText.ParseSuppressionReason(r.Reason), r.Detail, DbText.ParseTimestamp(r.CreatedAt))).ToList();
    }

    private sealed class Row
    {
        public string Email { get; set; } = "";
        public string ListName { get; set; } = "";
        public string Reason { get; set; } = "";
        public string? Detail { get; set; }
        public string CreatedAt { get; set; } = "";
    }
}
