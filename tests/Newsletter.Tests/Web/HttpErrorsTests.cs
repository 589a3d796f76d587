using Microsoft.AspNetCore.Http;
using Newsletter.Core.Composition;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Errors;
using Newsletter.Rendering;
using Newsletter.Web;

namespace Newsletter.Tests.Web;

/// <summary>The one mapping from the domain's exceptions to HTTP status codes.</summary>
public sealed class HttpErrorsTests
{
    private static readonly Send AnySend = new(1, 1, "readers", SendState.Cancelled, 100, 1, 1, DateTimeOffset.UnixEpoch, null, null, null);

    public static TheoryData<Exception, int> Cases => new()
    {
        { new IssueNotFoundException(7), StatusCodes.Status404NotFound },
        { new SendNotFoundException(42), StatusCodes.Status404NotFound },
        { new SendNotFoundException(7, "readers"), StatusCodes.Status404NotFound },
        { new ListNotFoundException("weekly", ["readers"]), StatusCodes.Status404NotFound },
        { new SendStateConflictException(AnySend, "cancelled"), StatusCodes.Status409Conflict },
        { new SendStoppedException(1, 3, "paused"), StatusCodes.Status409Conflict },
        { new InvalidListsException(["readers: bad"]), StatusCodes.Status409Conflict },
        { new UnreadableStoryFilesException(["a.md:3: bad date"]), StatusCodes.Status409Conflict },
        { new EmptyWeekException(new DateOnly(2026, 3, 31), new DateOnly(2026, 4, 6), "no stories."), StatusCodes.Status409Conflict },
        { new TemplateException("issue.cshtml line 3: bad", "issue.cshtml", 3), StatusCodes.Status500InternalServerError },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void StatusCodeFor_GivesTheStatusOfEachDomainException(Exception exception, int expected) =>
        Assert.Equal(expected, HttpErrors.StatusCodeFor(exception));

    [Fact]
    public void StatusCodeFor_LeavesOtherExceptionsAlone_SoTheyStayUnexpectedErrors() =>
        Assert.Null(HttpErrors.StatusCodeFor(new InvalidOperationException("a bug")));
}
