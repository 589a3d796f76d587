using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Newsletter.Core.Lists;
using Newsletter.Tests.Support;
using Newsletter.Worker.Hosting;

namespace Newsletter.Tests.Lists;

/// <summary>`lists show`, `lists suppressions` and `lists unsuppress`, run as the real executable.</summary>
public sealed class ListsCommandsTests : IAsyncLifetime
{
    private readonly TestEnvironment _environment = new();
    private IReadOnlyList<string> _readers = [];

    public async Task InitializeAsync()
    {
        _readers = _environment.AddCsvList("readers", 6);
        using var host = NewsletterHost.Create(new HostSettings(RunJobServer: false, _environment.Settings));
        await host.StartAsync();
        var suppressions = host.Services.GetRequiredService<ISuppressionList>();
        await suppressions.AddAsync(_readers[0], "readers", SuppressionReason.Unsubscribed, "one-click unsubscribe (RFC 8058)", CancellationToken.None);
        await suppressions.AddAsync(_readers[1], null, SuppressionReason.HardBounce, "550 5.1.1 user unknown", CancellationToken.None);
        await suppressions.AddAsync(_readers[2], "other", SuppressionReason.Unsubscribed, null, CancellationToken.None);
        await host.StopAsync();
    }

    public Task DisposeAsync()
    {
        _environment.Dispose();
        return Task.CompletedTask;
    }

    private Task<CliProcess.Result> RunAsync(params string[] args) => CliProcess.RunAsync(_environment, null, args);

    [Fact]
    public async Task Show_PrintsConfiguredSuppressedWithReasons_AndTheNextSendCount()
    {
        var result = await RunAsync("lists", "show", "readers");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("readers  \"readers readers\"", result.Output);
        Assert.Matches(@"configured\s+6\n", result.Output.Replace("\r", ""));
        Assert.Matches(@"suppressed\s+2  \(unsubscribed 1, hard bounce 1\)", result.Output);
        Assert.Matches(@"next send\s+4", result.Output);
    }

    [Fact]
    public async Task Suppressions_ListsEveryAddressWithItsReasonAndList()
    {
        var result = await RunAsync("lists", "suppressions");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(result.Output.Split('\n'), l => l.Contains(_readers[0]) && l.Contains("unsubscribed") && l.Contains("readers"));
        Assert.Contains(result.Output.Split('\n'), l => l.Contains(_readers[1]) && l.Contains("hard bounce") && l.Contains("(all lists)"));
        Assert.Contains("3 suppression(s).", result.Output);
    }

    [Fact]
    public async Task Unsuppress_RemovesTheAddress_AndLogsIt()
    {
        var result = await RunAsync("lists", "unsuppress", _readers[1].ToUpperInvariant());

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"Suppression of {_readers[1].ToUpperInvariant()} removed by an operator (was: hard bounce on all lists)", result.Error);
        var after = await RunAsync("lists", "show", "readers");
        Assert.Matches(@"next send\s+5", after.Output);
    }

    [Fact]
    public async Task Unsuppress_SaysSo_WhenTheAddressIsNotSuppressed()
    {
        var result = await RunAsync("lists", "unsuppress", "nobody@example.com");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("is not on the suppression list", result.Output);
    }
}
