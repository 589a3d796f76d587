using Dapper;
using Newsletter.Core.Clicks;

namespace Newsletter.Storage;

/// <summary>
/// Each issue's tracked links (<c>tracked_links</c>) and their clicks per link and hour (<c>link_clicks</c>). A click is added
/// as an atomic increment of its hour's row (<c>ON CONFLICT … DO UPDATE SET clicks = clicks + …</c>, the same statement on both
/// databases), so processes counting the same link at once never overwrite each other.
/// </summary>
public sealed class ClickStore(StoreDatabase database) : IClickStore
{
    private const string LinkColumns =
        "issue_number AS IssueNumber, link_id AS LinkId, url AS Url, story_slug AS StorySlug, story_title AS StoryTitle, section AS Section";

    /// <inheritdoc />
    public async Task<IReadOnlyList<TrackedLink>> AddLinksAsync(int issueNumber, IReadOnlyList<TrackedLink> links, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(links);
        if (links.Any(l => l.IssueNumber != issueNumber))
            throw new ArgumentException($"Every link must belong to issue #{issueNumber}.", nameof(links));
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            // All or nothing per issue: an issue that has links keeps them, so two processes rendering it at once agree.
            var stored = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT count(*) FROM tracked_links WHERE issue_number = @issueNumber", new { issueNumber }, transaction,
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (stored == 0)
            {
                await connection.ExecuteAsync(new CommandDefinition("""
                    INSERT INTO tracked_links (issue_number, link_id, url, story_slug, story_title, section)
                    VALUES (@IssueNumber, @LinkId, @Url, @StorySlug, @StoryTitle, @Section)
                    ON CONFLICT (issue_number, link_id) DO NOTHING
                    """,
                    links.Select(l => new { l.IssueNumber, l.LinkId, Url = l.Target.AbsoluteUri, l.StorySlug, l.StoryTitle, l.Section }).ToList(),
                    transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        return await ListLinksAsync(connection, issueNumber, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<TrackedLink?> FindLinkAsync(int issueNumber, int linkId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<LinkRow>(new CommandDefinition(
            $"SELECT {LinkColumns} FROM tracked_links WHERE issue_number = @issueNumber AND link_id = @linkId",
            new { issueNumber, linkId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToLink();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<TrackedLink>> ListLinksAsync(int issueNumber, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ListLinksAsync(connection, issueNumber, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IReadOnlyList<TrackedLink>> ListLinksAsync(System.Data.Common.DbConnection connection, int issueNumber, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<LinkRow>(new CommandDefinition(
            $"SELECT {LinkColumns} FROM tracked_links WHERE issue_number = @issueNumber ORDER BY link_id",
            new { issueNumber }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => r.ToLink()).ToList();
    }

    /// <inheritdoc />
    public async Task AddClicksAsync(IReadOnlyCollection<ClickCount> counts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.Count == 0) return;
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO link_clicks (issue_number, link_id, hour, clicks) VALUES (@IssueNumber, @LinkId, @Hour, @Clicks)
            ON CONFLICT (issue_number, link_id, hour) DO UPDATE SET clicks = link_clicks.clicks + excluded.clicks
            """,
            counts.Select(c => new { c.IssueNumber, c.LinkId, Hour = DbText.Timestamp(ClickCount.BucketOf(c.Bucket)), c.Clicks }).ToList(),
            transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ClickCount>> ListClicksAsync(int issueNumber, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<ClickRow>(new CommandDefinition(
            "SELECT link_id AS LinkId, hour AS Hour, clicks AS Clicks FROM link_clicks WHERE issue_number = @issueNumber ORDER BY hour, link_id",
            new { issueNumber }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new ClickCount(issueNumber, r.LinkId, DbText.ParseTimestamp(r.Hour), r.Clicks)).ToList();
    }

    private sealed class ClickRow
    {
        public int LinkId { get; set; }
        public string Hour { get; set; } = "";
        public long Clicks { get; set; }
    }

    private sealed class LinkRow
    {
        public int IssueNumber { get; set; }
        public int LinkId { get; set; }
        public string Url { get; set; } = "";
        public string StorySlug { get; set; } = "";
        public string StoryTitle { get; set; } = "";
        public string Section { get; set; } = "";

        public TrackedLink ToLink() => new(IssueNumber, LinkId, new Uri(Url), StorySlug, StoryTitle, Section);
    }
}
