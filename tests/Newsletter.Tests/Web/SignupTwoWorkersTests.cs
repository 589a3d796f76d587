using MimeKit;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Web;

/// <summary>Two <c>run</c> processes on one PostgreSQL store: a reader confirmed through one is sent the issue by the other.</summary>
[Collection(HangfireCollection.Name)]
public sealed class SignupTwoWorkersTests(PostgreSqlDatabaseFixture database) : IClassFixture<PostgreSqlDatabaseFixture>
{
    [Fact]
    public async Task ReaderConfirmedThroughOneWorker_IsSentTheIssueByTheOther_Once()
    {
        await using var smtp = new TestSmtpServer();
        await smtp.StartAsync();
        void OnPostgreSql(TestEnvironment environment)
        {
            environment.Settings["Newsletter:Store:Provider"] = "PostgreSql";
            environment.Settings["Newsletter:Store:ConnectionString"] = database.ConnectionString;
        }
        await using var first = await SignupWorker.StartAsync(configure: OnPostgreSql, smtp: smtp);
        await using var second = await SignupWorker.StartAsync(configure: OnPostgreSql, smtp: smtp);
        const string reader = "joined.elsewhere@example.org";

        await first.JoinAsync(reader);
        var (_, counts) = await second.Worker.PublishAsync(RunningWorker.FirstWeek, SignupWorker.ListName);

        Assert.Equal(6, counts.Sent);
        Assert.Single(first.MailsTo(reader).Select(m => m.Parse()), m => m.Headers[HeaderId.ListId] is not null);
    }
}
