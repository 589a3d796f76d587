using Newsletter.OperatorFiles.Stories;
using Newsletter.Storage;
using Newsletter.Tests.Delivery;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Stories;

/// <summary>
/// Story files that SQLite would take but PostgreSQL cannot store (an index entry too large, a NUL): the story rules refuse
/// them the same on both stores, as file:line errors, and the good file beside them is imported.
/// </summary>
public sealed class PostgreSqlStoryImportTests(PostgreSqlDatabaseFixture database) : IClassFixture<PostgreSqlDatabaseFixture>, IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Write(string fileName, string frontMatter)
    {
        var path = Path.Combine(_folder.Path, fileName);
        File.WriteAllText(path, $"---\n{frontMatter}\nsection: news\ndate: 2026-04-01\nsource: Test\n---\nSummary.\n");
        return path;
    }

    [Fact]
    public async Task ImportAsync_ReportsFileAndLineAndImportsTheGoodStory_WhenASlugIsTooLongOrATitleHoldsNul()
    {
        var longSlug = Write("a-long.md", $"slug: {new string('a', 10_000)}\ntitle: Long");
        var nul = Write("b-nul.md", "title: \"NUL\\0 here\"");
        Write("c-good.md", "title: Good");
        await using var store = new PostgreSqlDatabase(database.ConnectionString);
        var stories = new StoryStore(store);

        var report = await new StoryFolderImporter(stories).ImportAsync(_folder.Path, null, CancellationToken.None);

        Assert.Equal(
            [$"{longSlug}:2: the slug is 10000 characters; the limit is 100 (it names the story in links and in the store). Shorten it.",
             $"{nul}:2: title holds the character U+0000 (NUL), which would hide or reorder what readers see (or cannot be stored); remove it."],
            report.Errors.Select(e => e.Message));
        Assert.Equal(1, report.Added);
        Assert.Equal("Good", (await stories.GetAsync("c-good", CancellationToken.None))?.Title);
    }
}
