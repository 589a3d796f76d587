using System.Text.Json;
using Dapper;
using Newsletter.Core.Stories;

namespace Newsletter.Storage;

/// <summary>Stories in the <c>stories</c> table, one row per slug.</summary>
public sealed class StoryStore : IStoryStore
{
    private const string Columns = """
        slug AS Slug, section AS Section, title AS Title, date AS Date, source AS Source, url AS Url,
        summary_markdown AS SummaryMarkdown, takeaway AS Takeaway, featured AS Featured, priority AS Priority,
        tags_json AS TagsJson, venue AS Venue
        """;

    private readonly StoreDatabase _database;
    private readonly TimeProvider _time;

    public StoryStore(StoreDatabase database, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The story has no slug.</exception>
    public async Task<bool> UpsertAsync(Story story, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(story);
        ArgumentException.ThrowIfNullOrWhiteSpace(story.Slug, nameof(story));

        var now = DbText.Timestamp(_time.GetUtcNow());
        var row = new
        {
            story.Slug,
            Section = DbText.Section(story.Section),
            story.Title,
            Date = DbText.Date(story.Date),
            story.Source,
            Url = story.Url?.OriginalString,
            story.SummaryMarkdown,
            story.Takeaway,
            story.Featured,
            story.Priority,
            TagsJson = JsonSerializer.Serialize(story.Tags),
            story.Venue,
            Now = now,
        };

        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Insert-or-nothing first so we can tell "new" from "replaced" without a racy read.
        var inserted = await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO stories (slug, section, title, date, source, url, summary_markdown, takeaway, featured, priority, tags_json, venue, created_at, updated_at)
            VALUES (@Slug, @Section, @Title, @Date, @Source, @Url, @SummaryMarkdown, @Takeaway, @Featured, @Priority, @TagsJson, @Venue, @Now, @Now)
            ON CONFLICT (slug) DO NOTHING
            """, row, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (inserted == 0)
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                UPDATE stories SET section = @Section, title = @Title, date = @Date, source = @Source, url = @Url,
                    summary_markdown = @SummaryMarkdown, takeaway = @Takeaway, featured = @Featured, priority = @Priority,
                    tags_json = @TagsJson, venue = @Venue, updated_at = @Now
                WHERE slug = @Slug
                """, row, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return inserted == 1;
    }

    /// <inheritdoc />
    public async Task<Story?> GetAsync(string slug, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(slug);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<StoryRow>(new CommandDefinition(
            $"SELECT {Columns} FROM stories WHERE slug = @slug", new { slug }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToStory();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Story>> ListAsync(DateOnly? from, DateOnly? to, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<StoryRow>(new CommandDefinition($"""
            SELECT {Columns} FROM stories
            WHERE (@from IS NULL OR date >= @from) AND (@to IS NULL OR date <= @to)
            ORDER BY date, priority DESC, slug
            """,
            new { from = from is { } f ? DbText.Date(f) : null, to = to is { } t ? DbText.Date(t) : null },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => r.ToStory()).ToList();
    }

    private sealed class StoryRow
    {
        public string Slug { get; set; } = "";
        public string Section { get; set; } = "";
        public string Title { get; set; } = "";
        public string Date { get; set; } = "";
        public string Source { get; set; } = "";
        public string? Url { get; set; }
        public string SummaryMarkdown { get; set; } = "";
        public string? Takeaway { get; set; }
        public bool Featured { get; set; }
        public int Priority { get; set; }
        public string TagsJson { get; set; } = "[]";
        public string? Venue { get; set; }

        public Story ToStory() => new(
            Slug,
            DbText.ParseSection(Section),
            Title,
            DbText.ParseDate(Date),
            Source,
            Url is null ? null : new Uri(Url, UriKind.Absolute),
            SummaryMarkdown,
            Takeaway,
            Featured,
            Priority,
            JsonSerializer.Deserialize<List<string>>(TagsJson) ?? [],
            Venue);
    }
}
