using Newsletter.Core.Lists;
using Newsletter.Core.Reports;
using Newsletter.Storage;
using Newsletter.Tests.Bounces;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Storage;

/// <summary>What an issue's report says about the readers who left or complained, over the real store.</summary>
public abstract class IssueReportsContract : StoreContract
{
    private static readonly DateOnly Week1 = new(2026, 4, 6);
    private static readonly DateOnly Week2 = new(2026, 4, 13);
    private readonly TestDeliveryLog _log;
    private readonly BounceStore _bounces;
    private readonly SuppressionList _suppressions;
    private readonly IssueReports _reports;

    protected IssueReportsContract(TestStore store) : base(store)
    {
        _log = new TestDeliveryLog(Database);
        _bounces = new BounceStore(Database);
        _suppressions = new SuppressionList(Database);
        _reports = new IssueReports(new IssueStore(Database), _log, _log, new IssueActivity(Database), new ClickStore(Database));
    }

    [Fact]
    public async Task GetAsync_CountsAComplaintAgainstTheIssueItsReportNames_WhenItArrivesAfterALaterIssueReachedTheReader()
    {
        var issues = new IssueStore(Database);
        await issues.SaveAsync(TestStories.Issue(Week1, TestStories.News("a", Week1)), None);
        await issues.SaveAsync(TestStories.Issue(Week2, TestStories.News("b", Week2)), None);
        await SentIssues.SendAsync(_log, 1, ["grace@example.net", "ada@example.com"]);
        await SentIssues.SendAsync(_log, 2, ["grace@example.net", "ada@example.com"]);
        // Grace's provider reports issue #1 as spam only now, after #2 reached her; Ada unsubscribes after #2.
        var aboutIssue1 = (await _bounces.FindSentAsync("grace@example.net", 1, None))!;
        await _bounces.RecordComplaintAsync(aboutIssue1.DeliveryId, aboutIssue1.SendId, None);
        await _suppressions.AddAsync("grace@example.net", null, SuppressionReason.Complaint, "feedback loop", None);
        await _suppressions.AddAsync("ada@example.com", "weekly", SuppressionReason.Unsubscribed, null, None);

        var first = Assert.Single((await _reports.GetAsync(1, None)).Lists);
        var second = Assert.Single((await _reports.GetAsync(2, None)).Lists);

        Assert.Equal((1, 0), (first.Complaints, first.Unsubscribes));
        Assert.Equal((0, 1), (second.Complaints, second.Unsubscribes));
    }
}

public sealed class SqliteIssueReportsTests() : IssueReportsContract(new SqliteTestStore());

public sealed class PostgreSqlIssueReportsTests(PostgreSqlDatabaseFixture database)
    : IssueReportsContract(new PostgreSqlTestStore(database)), IClassFixture<PostgreSqlDatabaseFixture>;
