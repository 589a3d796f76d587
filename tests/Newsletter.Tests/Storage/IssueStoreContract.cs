using Newsletter.Core.Composition;
using Newsletter.Storage;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Storage;

public abstract class IssueStoreContract : StoreContract
{
    private static readonly DateOnly Week1 = new(2026, 4, 6);
    private static readonly DateOnly Week2 = new(2026, 4, 13);
    private readonly IssueStore _issues;
    private readonly StoryStore _stories;

    protected IssueStoreContract(TestStore store) : base(store)
    {
        _issues = new IssueStore(Database);
        _stories = new StoryStore(Database);
    }

    [Fact]
    public async Task SaveAsync_NumbersIssuesOneTwoThree_WhenSavedInOrder()
    {
        var first = await _issues.SaveAsync(TestStories.Issue(Week1, TestStories.News("a", Week1)), None);
        var second = await _issues.SaveAsync(TestStories.Issue(Week2, TestStories.News("b", Week2)), None);

        Assert.Equal(1, first.Number);
        Assert.Equal(2, second.Number);
    }

    [Fact]
    public async Task SaveAsync_IgnoresDraftNumber_WhenDraftCarriesOne()
    {
        var saved = await _issues.SaveAsync(TestStories.Issue(Week1, TestStories.News("a", Week1)) with { Number = 42 }, None);

        Assert.Equal(1, saved.Number);
    }

    [Fact]
    public async Task SaveAsync_AssignsDistinctNumbers_WhenManySavesRunAtOnce()
    {
        var saves = Enumerable.Range(0, 12).Select(i =>
        {
            var week = Week1.AddDays(7 * i);
            var store = new IssueStore(Store.OpenAgain());
            return Task.Run(() => store.SaveAsync(TestStories.Issue(week, TestStories.News($"s{i}", week)), None));
        });

        var issues = await Task.WhenAll(saves);

        Assert.Equal(Enumerable.Range(1, 12), issues.Select(i => i.Number).Order());
    }

    [Fact]
    public async Task SaveAsync_Throws_WhenWeekAlreadyHasAnIssue()
    {
        await _issues.SaveAsync(TestStories.Issue(Week1, TestStories.News("a", Week1)), None);

        var error = await Assert.ThrowsAsync<IssueAlreadyComposedException>(() => _issues.SaveAsync(TestStories.Issue(Week1, TestStories.News("b", Week1)), None));

        Assert.Equal(1, error.Existing.Number);
        Assert.Contains("Issue #1 already covers the week ending 2026-04-06", error.Message);
    }

    [Fact]
    public async Task GetAsync_ReturnsContentAsSaved_WhenStoryIsEditedAfterSave()
    {
        var original = TestStories.News("gemma", Week1, title: "Original title");
        await _stories.UpsertAsync(original, None);
        var saved = await _issues.SaveAsync(TestStories.Issue(Week1, original), None);

        await _stories.UpsertAsync(original with { Title = "Edited title", SummaryMarkdown = "Edited." }, None);
        var issue = await _issues.GetAsync(saved.Number, None);

        Assert.NotNull(issue);
        Assert.Equal("Original title", issue.Featured.Title);
        Assert.Equal(original.SummaryMarkdown, issue.Featured.SummaryMarkdown);
    }

    [Fact]
    public async Task GetAsync_ReturnsWholeIssue_WhenSaved()
    {
        var draft = TestStories.Issue(Week1, TestStories.News("a", Week1), TestStories.News("b", Week1), TestStories.News("c", Week1));
        var saved = await _issues.SaveAsync(draft, None);

        var issue = await _issues.GetAsync(saved.Number, None);

        Assert.NotNull(issue);
        Assert.Equal(saved.WeekEnding, issue.WeekEnding);
        Assert.Equal(saved.ComposedAt, issue.ComposedAt);
        Assert.Equal(saved.Subject, issue.Subject);
        Assert.Equal(saved.Preheader, issue.Preheader);
        Assert.Equal(saved.KeyTakeaways, issue.KeyTakeaways);
        Assert.Equal(saved.AllStories.Select(s => (s.Slug, s.Section, s.Url, s.Takeaway)), issue.AllStories.Select(s => (s.Slug, s.Section, s.Url, s.Takeaway)));
        Assert.Equal(["t1", "t2"], issue.Featured.Tags);
        var section = Assert.Single(issue.Sections);
        Assert.Equal("Also This Week", section.Heading);
    }

    [Fact]
    public async Task GetAsync_ReturnsNull_WhenNumberIsUnknown()
    {
        Assert.Null(await _issues.GetAsync(7, None));
    }

    [Fact]
    public async Task FindByWeekEndingAsync_ReturnsTheWeeksIssue_WhenOneWasSaved()
    {
        await _issues.SaveAsync(TestStories.Issue(Week1, TestStories.News("a", Week1)), None);
        await _issues.SaveAsync(TestStories.Issue(Week2, TestStories.News("b", Week2)), None);

        var issue = await _issues.FindByWeekEndingAsync(Week2, None);

        Assert.Equal(2, issue?.Number);
        Assert.Null(await _issues.FindByWeekEndingAsync(Week2.AddDays(7), None));
    }

    [Fact]
    public async Task UsedStorySlugsAsync_ReturnsEverySlugShownInAnIssue_WhenIssuesSaved()
    {
        await _issues.SaveAsync(TestStories.Issue(Week1, TestStories.News("a", Week1), TestStories.News("b", Week1)), None);
        await _issues.SaveAsync(TestStories.Issue(Week2, TestStories.News("c", Week2)), None);

        var used = await _issues.UsedStorySlugsAsync(None);

        Assert.Equal(["a", "b", "c", "intro-2026-04-06", "intro-2026-04-13"], used.Order());
    }

    [Fact]
    public async Task ListAsync_ReturnsIssuesNewestFirst_WhenSeveralSaved()
    {
        await _issues.SaveAsync(TestStories.Issue(Week1, TestStories.News("a", Week1)), None);
        await _issues.SaveAsync(TestStories.Issue(Week2, TestStories.News("b", Week2)), None);

        var issues = await _issues.ListAsync(None);

        Assert.Equal([2, 1], issues.Select(i => i.Number));
    }

    [Fact]
    public async Task FindAsync_ReturnsTheRenderingAsStored_WhenOneWasAdded()
    {
        var issue = await _issues.SaveAsync(TestStories.Issue(Week1, TestStories.News("a", Week1)), None);
        var rendering = new IssueRendering(issue.Number, "readers", "<p>Hi NAME, caf\u00e9 \U0001F600</p><a href=\"UNSUB\">x</a>\r\n",
            "Hi NAME,\n\nUNSUB\n", "NAME", "UNSUB");

        await _issues.AddOrGetAsync(rendering, None);

        Assert.Equal(rendering, await new IssueStore(Store.OpenAgain()).FindAsync(issue.Number, "readers", None));
        Assert.Null(await _issues.FindAsync(issue.Number, "others", None));
    }

    [Fact]
    public async Task AddOrGetAsync_KeepsTheFirstRendering_WhenTwoProcessesStoreOneForTheSameList()
    {
        var issue = await _issues.SaveAsync(TestStories.Issue(Week1, TestStories.News("a", Week1)), None);
        var first = new IssueRendering(issue.Number, "readers", "<p>first NAME UNSUB</p>", "first NAME UNSUB", "NAME", "UNSUB");
        var second = first with { Html = "<p>second NAME UNSUB</p>", Text = "second NAME UNSUB" };

        var stored = await _issues.AddOrGetAsync(first, None);
        var storedAgain = await new IssueStore(Store.OpenAgain()).AddOrGetAsync(second, None);

        Assert.Equal(first, stored);
        Assert.Equal(first, storedAgain);
        Assert.Equal(first, await _issues.FindAsync(issue.Number, "readers", None));
    }
}

public sealed class SqliteIssueStoreTests() : IssueStoreContract(new SqliteTestStore());

public sealed class PostgreSqlIssueStoreTests(PostgreSqlDatabaseFixture database)
    : IssueStoreContract(new PostgreSqlTestStore(database)), IClassFixture<PostgreSqlDatabaseFixture>;
