using Newsletter.Tests.Support;

namespace Newsletter.Tests.Cli;

/// <summary><c>run</c>, the real executable, with a weekly schedule it cannot keep.</summary>
public sealed class RunScheduleTests
{
    [Fact(Timeout = 120_000)]
    public async Task Run_ExitsWithCode2AndOnlyALineNamingTheCronKeyAndAWorkingExample_WhenTheCronIsNotACronExpression()
    {
        using var environment = new TestEnvironment();
        environment.Settings["Newsletter:Web:Urls"] = "http://127.0.0.1:0";
        environment.Settings["Newsletter:Schedule:Cron"] = "every monday";

        var result = await CliProcess.RunAsync(environment, null, "run");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: Newsletter:Schedule:Cron 'every monday' is not a cron expression", result.Error);
        Assert.Contains("\"0 7 * * 1\" for Mondays at 07:00", result.Error);
        // Only that line: not also the host's "Hosting failed to start" log with the exception's stack trace before it.
        Assert.DoesNotContain("Hosting failed to start", result.Output + result.Error);
        Assert.DoesNotContain("   at ", result.Output + result.Error);
    }
}
