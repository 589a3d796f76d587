using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Newsletter.Delivery.Unsubscribe;
using Newsletter.Tests.Support;
using Newsletter.Worker.Hosting;

namespace Newsletter.Tests.Web;

/// <summary>Unsubscribe tokens never reach a log, over a real run, whatever the log levels end up being.</summary>
[Collection(HangfireCollection.Name)]
public sealed class TokenLoggingTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    /// <summary>One-click, the confirmation page and resubscribe for <paramref name="token"/>, as a subscriber and a mailbox provider do.</summary>
    private static async Task UseTokenAsync(RunningWorker worker, string token)
    {
        using var client = worker.Client();
        using (var page = await client.GetAsync($"/unsubscribe/{token}")) Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        using (var oneClick = await client.PostAsync($"/unsubscribe/{token}", new FormUrlEncodedContent([KeyValuePair.Create("List-Unsubscribe", "One-Click")])))
            Assert.Equal(HttpStatusCode.OK, oneClick.StatusCode);
        using (var back = await client.PostAsync($"/unsubscribe/{token}/resubscribe", null)) Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        using (var tampered = await client.GetAsync($"/unsubscribe/{token}x")) Assert.Equal(HttpStatusCode.NotFound, tampered.StatusCode);
    }

    private static void AssertNoTokenIn(IReadOnlyList<string> lines, string token)
    {
        var mac = token[(token.IndexOf('.') + 1)..];
        Assert.NotEmpty(lines);
        Assert.All(lines, line =>
        {
            Assert.DoesNotContain(token[..token.IndexOf('.')], line);
            Assert.DoesNotContain(mac, line);
        });
    }

    [Fact]
    public async Task UnsubscribeRequests_LogNoToken_AfterARejectedListsEditDropsTheLoggingSection()
    {
        using var environment = new TestEnvironment();
        var subscribers = environment.AddCsvList("readers", 2);
        var settingsFile = Path.Combine(environment.Directory, "appsettings.json");
        await File.WriteAllTextAsync(settingsFile, JsonSerializer.Serialize(new
        {
            Logging = new { LogLevel = new Dictionary<string, string> { ["Default"] = "Information", ["Microsoft"] = "Warning", ["Hangfire"] = "Warning" } },
        }));
        await using var worker = await RunningWorker.StartAsync(environment,
            configure: builder => builder.Configuration.AddJsonFile(settingsFile, optional: false, reloadOnChange: true));
        await worker.PublishAsync(RunningWorker.FirstWeek, "readers");
        var token = worker.Services.GetRequiredService<UnsubscribeTokens>().Create("readers", subscribers[0]);

        // The edit that does not parse: the lists are rejected and the file's Logging section is gone with it.
        await File.WriteAllTextAsync(settingsFile, "{ \"Logging\": { \"LogLevel\": ");
        await worker.Logs.WaitForAsync("Edit of the lists rejected", Wait);
        await UseTokenAsync(worker, token);

        AssertNoTokenIn(worker.Logs.Lines, token);
        Assert.Contains(worker.Logs.Lines, l => l.Contains("/unsubscribe/" + TokenRedaction.Replacement, StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnsubscribeRequests_LogNoToken_WhenEveryCategoryLogsAtTrace()
    {
        using var environment = new TestEnvironment();
        var subscribers = environment.AddCsvList("readers", 2);
        await using var worker = await RunningWorker.StartAsync(environment, configure: builder => builder.Logging.SetMinimumLevel(LogLevel.Trace));
        await worker.PublishAsync(RunningWorker.FirstWeek, "readers");
        var token = worker.Services.GetRequiredService<UnsubscribeTokens>().Create("readers", subscribers[1]);

        await UseTokenAsync(worker, token);

        AssertNoTokenIn(worker.Logs.Lines, token);
    }

    [Theory]
    [InlineData("Request starting HTTP/1.1 POST http://127.0.0.1:5080/unsubscribe/{0} - application/x-www-form-urlencoded 26")]
    [InlineData("job argument \"{0}\" failed")]
    public void Redact_RemovesTheToken_WhereverTheTextHoldsIt(string format)
    {
        var tokens = new UnsubscribeTokens("a-test-secret-that-is-long-enough-0123456789"u8);
        var token = tokens.Create("readers", "ada@example.com");

        var redacted = TokenRedaction.Redact(string.Format(format, token));

        Assert.DoesNotContain(token, redacted);
        Assert.Contains(TokenRedaction.Replacement, redacted);
    }
}
