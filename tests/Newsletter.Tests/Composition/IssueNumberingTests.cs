using Dapper;
using Microsoft.Extensions.Options;
using Newsletter.Core.Composition;
using Newsletter.Core.Stories;
using Newsletter.Storage;
using Newsletter.Tests.Storage;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Composition;

/// <summary>
/// The issue number is decided once, by the store, inside the transaction that stores the issue; the subject is formatted
/// from that number. A real store of each provider, the real composer.
/// </summary>
public abstract class IssueNumberingContract(TestStore store) : StoreContract(store)
{
    private static readonly DateOnly FirstWeek = new(2026, 4, 6);

    /// <summary>A composer on its own connections to the shared store, as a second process would be.</summary>
    private IssueComposer Composer(out IssueStore issues)
    {
        var database = Store.OpenAgain();
        issues = new IssueStore(database);
        return new IssueComposer(new StoryStore(database), issues, Options.Create(new IssueOptions { SubjectFormat = "#{Number}: {FeaturedTitle}" }),
            TimeProvider.System);
    }

    private async Task AddWeeksAsync(int weeks)
    {
        var stories = new StoryStore(Database);
        for (var i = 0; i < weeks; i++)
        {
            var week = FirstWeek.AddDays(7 * i);
            await stories.UpsertAsync(new Story($"story-{i}", StorySection.News, $"Story {i}", week.AddDays(-1), "Source", null, "Summary.", Featured: true), None);
        }
    }

    private static async Task AssertSubjectMatchesStoredNumberAsync(IssueStore issues, Issue composed)
    {
        var stored = await issues.GetAsync(composed.Number, None);
        Assert.NotNull(stored);
        Assert.Equal(composed.WeekEnding, stored.WeekEnding);
        Assert.StartsWith($"#{composed.Number}: ", composed.Subject);
        Assert.Equal(composed.Subject, stored.Subject);
    }

    [Fact]
    public async Task ComposeAsync_PutsTheStoredNumberInTheSubject_WhenSeveralWeeksAreComposedAtOnce()
    {
        const int weeks = 8;
        await AddWeeksAsync(weeks);
        var composers = Enumerable.Range(0, weeks).Select(_ => Composer(out IssueStore _)).ToList();

        var composed = await Task.WhenAll(composers.Select((composer, i) => Task.Run(() => composer.ComposeAsync(FirstWeek.AddDays(7 * i), None))));

        Composer(out var issues);
        Assert.Equal(Enumerable.Range(1, weeks), composed.Select(i => i.Number).Order());
        foreach (var issue in composed)
        {
            await AssertSubjectMatchesStoredNumberAsync(issues, issue);
        }
    }

    [Fact]
    public async Task ComposeAsync_PutsTheStoredNumberInTheSubject_AfterFailedComposes()
    {
        await AddWeeksAsync(2);
        var composer = Composer(out var issues);
        await composer.ComposeAsync(FirstWeek, None);

        await Assert.ThrowsAsync<EmptyWeekException>(() => composer.ComposeAsync(FirstWeek.AddDays(-70), None));
        await Assert.ThrowsAsync<IssueAlreadyComposedException>(() => composer.ComposeAsync(FirstWeek, None));
        var next = await composer.ComposeAsync(FirstWeek.AddDays(7), None);

        Assert.Equal(2, next.Number);
        await AssertSubjectMatchesStoredNumberAsync(issues, next);
    }

    [Fact]
    public async Task ComposeAsync_PutsTheStoredNumberInTheSubject_AfterTheLatestIssueWasDeleted()
    {
        await AddWeeksAsync(3);
        var composer = Composer(out var issues);
        await composer.ComposeAsync(FirstWeek, None);
        await composer.ComposeAsync(FirstWeek.AddDays(7), None);
        await using (var connection = await Database.OpenAsync(None))
        {
            // An operator removing an unsent issue by hand, stories and all.
            await connection.ExecuteAsync("DELETE FROM issue_stories WHERE issue_number = 2");
            await connection.ExecuteAsync("DELETE FROM issues WHERE number = 2");
        }

        var next = await composer.ComposeAsync(FirstWeek.AddDays(14), None);

        await AssertSubjectMatchesStoredNumberAsync(issues, next);
    }

    [Fact]
    public async Task ComposeAsync_ReportsTheExistingIssue_WhenTwoComposesOfOneWeekRace()
    {
        await AddWeeksAsync(1);
        var composers = Enumerable.Range(0, 4).Select(_ => Composer(out IssueStore _)).ToList();

        var attempts = composers.Select(c => Task.Run(() => c.ComposeAsync(FirstWeek, None))).ToList();
        try
        {
            await Task.WhenAll(attempts);
        }
        catch (IssueAlreadyComposedException)
        {
            // Expected for all but one; each is checked below.
        }

        Assert.Equal(1, attempts.Count(a => a.IsCompletedSuccessfully));
        Assert.All(attempts.Where(a => !a.IsCompletedSuccessfully), a => Assert.IsType<IssueAlreadyComposedException>(a.Exception!.InnerException));
    }
}

public sealed class SqliteIssueNumberingTests() : IssueNumberingContract(new SqliteTestStore());

public sealed class PostgreSqlIssueNumberingTests(PostgreSqlDatabaseFixture database)
    : IssueNumberingContract(new PostgreSqlTestStore(database)), IClassFixture<PostgreSqlDatabaseFixture>;
