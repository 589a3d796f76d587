using Dapper;
using Newsletter.Core.Composition;

namespace Newsletter.Storage;

/// <summary>
/// Issues in the <c>issues</c> table, each a frozen JSON snapshot with copies of its stories, so later edits to
/// the story store never change an issue. One issue per week ending. Also each (issue, list)'s rendering, in
/// <c>issue_renderings</c>, stored when its send is created.
/// </summary>
public sealed class IssueStore : IIssueStore, IIssueRenderingStore
{
    private readonly StoreDatabase _database;
    private readonly TimeProvider _time;

    public IssueStore(StoreDatabase database, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public async Task<Issue> CreateAsync(DateOnly weekEnding, Func<int, Issue> compose, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(compose);

        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // Serialized with every other creation, so MAX(number) + 1 cannot be taken twice, and the number handed to compose
        // is the one stored.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await _database.SerializeAsync(connection, transaction, "newsletter:issue-numbers", cancellationToken).ConfigureAwait(false);

        var week = DbText.Date(weekEnding);
        var existing = await connection.QuerySingleOrDefaultAsync<IssueRow>(new CommandDefinition(
            "SELECT number AS Number, snapshot_json AS SnapshotJson FROM issues WHERE week_ending = @week",
            new { week }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (existing is not null)
        {
            throw new IssueAlreadyComposedException(IssueSnapshot.Deserialize(existing.SnapshotJson, existing.Number));
        }

        var number = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COALESCE(MAX(number), 0) + 1 FROM issues", transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var issue = compose(number);
        if (issue.Number != number || issue.WeekEnding != weekEnding)
        {
            throw new InvalidOperationException(
                $"The issue composed for #{number}, week ending {week}, came back as #{issue.Number}, week ending {DbText.Date(issue.WeekEnding)}.");
        }

        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO issues (number, week_ending, composed_at, subject, snapshot_json, saved_at)
            VALUES (@number, @week, @composedAt, @subject, @snapshot, @savedAt)
            """,
            new
            {
                number,
                week,
                composedAt = DbText.Timestamp(issue.ComposedAt),
                subject = issue.Subject,
                snapshot = IssueSnapshot.Serialize(issue),
                savedAt = DbText.Timestamp(_time.GetUtcNow()),
            },
            transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);

        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO issue_stories (issue_number, story_slug, position) VALUES (@number, @slug, @position)
            ON CONFLICT DO NOTHING
            """,
            issue.AllStories.Select((story, position) => new { number, slug = story.Slug, position }).ToList(),
            transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return issue;
    }

    /// <inheritdoc />
    /// <exception cref="InvalidDataException">The stored snapshot cannot be read.</exception>
    public async Task<Issue?> GetAsync(int number, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var json = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT snapshot_json FROM issues WHERE number = @number", new { number }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return json is null ? null : IssueSnapshot.Deserialize(json, number);
    }

    /// <inheritdoc />
    /// <exception cref="InvalidDataException">The stored snapshot cannot be read.</exception>
    public async Task<Issue?> FindByWeekEndingAsync(DateOnly weekEnding, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<IssueRow>(new CommandDefinition(
            "SELECT number AS Number, snapshot_json AS SnapshotJson FROM issues WHERE week_ending = @weekEnding",
            new { weekEnding = DbText.Date(weekEnding) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row is null ? null : IssueSnapshot.Deserialize(row.SnapshotJson, row.Number);
    }

    /// <inheritdoc />
    public async Task<IReadOnlySet<string>> UsedStorySlugsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var slugs = await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT DISTINCT story_slug FROM issue_stories", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return slugs.ToHashSet(StringComparer.Ordinal);
    }

    /// <inheritdoc />
    /// <exception cref="InvalidDataException">A stored snapshot cannot be read.</exception>
    public async Task<IReadOnlyList<Issue>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<IssueRow>(new CommandDefinition(
            "SELECT number AS Number, snapshot_json AS SnapshotJson FROM issues ORDER BY number DESC",
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => IssueSnapshot.Deserialize(r.SnapshotJson, r.Number)).ToList();
    }

    /// <inheritdoc />
    public async Task<IssueRendering> AddOrGetAsync(IssueRendering rendering, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rendering);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // The first stored stays: two processes creating the send at once both end up sending the one that won.
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO issue_renderings (issue_number, list_name, html, text, greeting_name_token, unsubscribe_url_token, rendered_at)
            VALUES (@IssueNumber, @ListName, @Html, @Text, @GreetingNameToken, @UnsubscribeUrlToken, @renderedAt)
            ON CONFLICT (issue_number, list_name) DO NOTHING
            """,
            new
            {
                rendering.IssueNumber,
                rendering.ListName,
                rendering.Html,
                rendering.Text,
                rendering.GreetingNameToken,
                rendering.UnsubscribeUrlToken,
                renderedAt = DbText.Timestamp(_time.GetUtcNow()),
            },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return await FindAsync(connection, rendering.IssueNumber, rendering.ListName, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The rendering of issue #{rendering.IssueNumber} for list '{rendering.ListName}' was stored but cannot be read back.");
    }

    /// <inheritdoc />
    public async Task<IssueRendering?> FindAsync(int issueNumber, string listName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listName);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await FindAsync(connection, issueNumber, listName, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IssueRendering?> FindAsync(System.Data.Common.DbConnection connection, int issueNumber, string listName, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<RenderingRow>(new CommandDefinition("""
            SELECT html AS Html, text AS Text, greeting_name_token AS GreetingNameToken, unsubscribe_url_token AS UnsubscribeUrlToken
            FROM issue_renderings WHERE issue_number = @issueNumber AND list_name = @listName
            """,
            new { issueNumber, listName }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row is null ? null : new IssueRendering(issueNumber, listName, row.Html, row.Text, row.GreetingNameToken, row.UnsubscribeUrlToken);
    }

    private sealed class RenderingRow
    {
        public string Html { get; set; } = "";
        public string Text { get; set; } = "";
        public string GreetingNameToken { get; set; } = "";
        public string UnsubscribeUrlToken { get; set; } = "";
    }

    private sealed class IssueRow
    {
        public int Number { get; set; }
        public string SnapshotJson { get; set; } = "";
    }
}
