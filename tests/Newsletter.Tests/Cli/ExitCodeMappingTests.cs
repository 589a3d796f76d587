using Newsletter.Core.Deliveries;
using Newsletter.Core.Errors;
using Newsletter.Rendering;
using Newsletter.Worker.Cli;

namespace Newsletter.Tests.Cli;

/// <summary>The one mapping from what went wrong to the CLI's exit code (the processes' own exit codes are tested end to end elsewhere).</summary>
public sealed class ExitCodeMappingTests
{
    private static readonly Send AnySend = new(1, 1, "readers", SendState.Paused, 100, 1, 1, DateTimeOffset.UnixEpoch, null, null, null);

    public static TheoryData<Exception, int> Cases => new()
    {
        { new SendStoppedException(1, 3, "paused"), ExitCodes.PartialFailure },
        { new IssueNotFoundException(7), ExitCodes.UsageOrConfig },
        { new SendNotFoundException(7, "readers"), ExitCodes.UsageOrConfig },
        { new SendStateConflictException(AnySend, "paused"), ExitCodes.UsageOrConfig },
        { new InvalidListsException(["readers: bad"]), ExitCodes.UsageOrConfig },
        { new ListNotFoundException("weekly", []), ExitCodes.UsageOrConfig },
        { new UnreadableStoryFilesException(["a.md:3: bad date"]), ExitCodes.UsageOrConfig },
        { new TemplateException("issue.cshtml line 3: bad", "issue.cshtml", 3), ExitCodes.UsageOrConfig },
        { new CommandException("--slug 'X' is not a slug", ExitCodes.PartialFailure), ExitCodes.PartialFailure },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ExitCodeFor_GivesTheExitCodeOfEachKnownError(Exception exception, int expected) =>
        Assert.Equal(expected, CommandRunner.ExitCodeFor(exception, services: null, database: null, CancellationToken.None));

    [Fact]
    public void ExitCodeFor_LeavesAnUnforeseenException_ToCrashWithItsStackTrace() =>
        Assert.Null(CommandRunner.ExitCodeFor(new InvalidOperationException("a bug"), services: null, database: null, CancellationToken.None));
}
