using System.Text.Json;
using MimeKit;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Cli;

/// <summary>
/// The README's main command, run as the real executable on the shipped appsettings.json (pickup transport, the sample
/// list), with one subscriber's name turned into a header-injection attempt.
/// </summary>
public sealed class PublishCommandTests : IClassFixture<PublishCommandTests.PublishedSampleWeek>
{
    private readonly PublishedSampleWeek _published;

    public PublishCommandTests(PublishedSampleWeek published) => _published = published;

    public sealed class PublishedSampleWeek : IAsyncLifetime
    {
        public const string InjectedName = "Eve\r\nBcc: victim@example.com";
        public TestEnvironment Environment { get; } = new();
        public CliProcess.Result Publish { get; private set; } = null!;
        public CliProcess.Result PublishAgain { get; private set; } = null!;
        public CliProcess.Result Status { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            KeyValuePair<string, string?>[] eve = [KeyValuePair.Create("Newsletter__Lists__sample__Subscribers__0__Name", (string?)InjectedName)];
            Environment.Settings.Remove("Newsletter:Delivery:BatchSize");
            Publish = await CliProcess.RunAsync(Environment, eve, "publish", "--date", "2026-04-06");
            PublishAgain = await CliProcess.RunAsync(Environment, eve, "publish", "--date", "2026-04-06");
            Status = await CliProcess.RunAsync(Environment, eve, "status", "1", "--json");
        }

        public Task DisposeAsync()
        {
            Environment.Dispose();
            return Task.CompletedTask;
        }

        public string[] OutboxFiles => Directory.GetFiles(Path.Combine(Environment.Directory, "outbox"), "*.eml", SearchOption.AllDirectories);
    }

    [Fact]
    public void Publish_Succeeds_AndSaysWhereTheMessagesWent()
    {
        Assert.True(_published.Publish.ExitCode == 0, _published.Publish.Output + _published.Publish.Error);
        Assert.Contains("Composed issue #1", _published.Publish.Output);
        Assert.Contains(Path.Combine(_published.Environment.Directory, "outbox"), _published.Publish.Output);
    }

    [Fact]
    public void Publish_LeavesOneEmlPerSampleSubscriber()
    {
        var recipients = _published.OutboxFiles.Select(f => MimeMessage.Load(f).To.Mailboxes.Single().Address).Order();

        Assert.Equal(["ada@example.com", "alan@example.org", "claude.shannon@example.com", "grace@example.net", "katherine@example.org"], recipients);
    }

    [Fact]
    public void Publish_SendsNothingTwice_WhenRunAgain()
    {
        Assert.Equal(0, _published.PublishAgain.ExitCode);
        Assert.Contains("already received issue #1", _published.PublishAgain.Output);
        Assert.Equal(5, _published.OutboxFiles.Length);
    }

    [Fact]
    public void Publish_CannotBeMadeToAddAHeader_ThroughASubscribersName()
    {
        var message = _published.OutboxFiles.Select(f => MimeMessage.Load(f)).Single(m => m.To.Mailboxes.Single().Address == "ada@example.com");

        Assert.Empty(message.Bcc);
        Assert.DoesNotContain(message.Headers, h => h.Field.Equals("Bcc", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain('\n', message.To.Mailboxes.Single().Name ?? "");
    }

    [Fact]
    public void Status_ReportsCountsAsJson()
    {
        Assert.Equal(0, _published.Status.ExitCode);
        using var json = JsonDocument.Parse(_published.Status.Output);
        Assert.Equal(5, json.RootElement.GetProperty("sent").GetInt32());
        Assert.Equal(0, json.RootElement.GetProperty("failed").GetInt32());
        Assert.Equal(0, json.RootElement.GetProperty("pending").GetInt32());
    }
}
