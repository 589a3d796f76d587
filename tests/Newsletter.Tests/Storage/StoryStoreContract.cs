using Newsletter.Core.Stories;
using Newsletter.Storage;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Storage;

public abstract class StoryStoreContract : StoreContract
{
    private readonly StoryStore _store;

    protected StoryStoreContract(TestStore store) : base(store) => _store = new StoryStore(Database);

    [Fact]
    public async Task UpsertAsync_ReturnsTrue_WhenSlugIsNew()
    {
        Assert.True(await _store.UpsertAsync(TestStories.News("a", new DateOnly(2026, 4, 1)), None));
    }

    [Fact]
    public async Task UpsertAsync_ReplacesStoryAndReturnsFalse_WhenSlugExists()
    {
        await _store.UpsertAsync(TestStories.News("a", new DateOnly(2026, 4, 1), title: "Old"), None);

        var isNew = await _store.UpsertAsync(TestStories.News("a", new DateOnly(2026, 4, 2), title: "New"), None);

        Assert.False(isNew);
        var stored = Assert.Single(await _store.ListAsync(null, null, None));
        Assert.Equal("New", stored.Title);
        Assert.Equal(new DateOnly(2026, 4, 2), stored.Date);
    }

    [Fact]
    public async Task GetAsync_ReturnsEveryField_WhenStoryWasUpserted()
    {
        var story = new Story("paper", StorySection.Papers, "A Paper", new DateOnly(2026, 4, 3), "arXiv cs.LG",
            new Uri("https://arxiv.org/abs/2604.01234"), "Line one.\n\nLine *two*.", "Takeaway.", Featured: true, Priority: 7,
            Tags: ["causal", "diffusion"], Venue: "CLeaR 2026");
        await _store.UpsertAsync(story, None);

        var stored = await _store.GetAsync("paper", None);

        Assert.NotNull(stored);
        Assert.Equal(story with { Tags = stored.Tags }, stored);
        Assert.Equal(["causal", "diffusion"], stored.Tags);
    }

    [Fact]
    public async Task GetAsync_ReturnsNull_WhenSlugIsUnknown()
    {
        Assert.Null(await _store.GetAsync("nope", None));
    }

    [Fact]
    public async Task ListAsync_ReturnsStoriesWithinInclusiveRangeOldestFirst_WhenBothBoundsGiven()
    {
        foreach (var day in new[] { 5, 1, 6, 7, 3 })
        {
            await _store.UpsertAsync(TestStories.News($"day-{day}", new DateOnly(2026, 4, day)), None);
        }

        var stories = await _store.ListAsync(new DateOnly(2026, 4, 1), new DateOnly(2026, 4, 6), None);

        Assert.Equal(["day-1", "day-3", "day-5", "day-6"], stories.Select(s => s.Slug));
    }

    [Fact]
    public async Task ListAsync_LeavesRangeOpen_WhenBoundIsNull()
    {
        foreach (var day in new[] { 1, 3, 5 })
        {
            await _store.UpsertAsync(TestStories.News($"day-{day}", new DateOnly(2026, 4, day)), None);
        }

        Assert.Equal(["day-3", "day-5"], (await _store.ListAsync(new DateOnly(2026, 4, 2), null, None)).Select(s => s.Slug));
        Assert.Equal(["day-1", "day-3"], (await _store.ListAsync(null, new DateOnly(2026, 4, 4), None)).Select(s => s.Slug));
    }
}

public sealed class SqliteStoryStoreTests() : StoryStoreContract(new SqliteTestStore());

public sealed class PostgreSqlStoryStoreTests(PostgreSqlDatabaseFixture database)
    : StoryStoreContract(new PostgreSqlTestStore(database)), IClassFixture<PostgreSqlDatabaseFixture>;
