using Newsletter.Rendering;

namespace Newsletter.Tests.Rendering;

/// <summary>
/// Which of the host's libraries the templates are compiled against. Here the host is the test project, whose dependency
/// context lists this assembly's world and much more (the worker, Hangfire, Npgsql, xunit…). That the templates still compile
/// against what is left is proven by every IssueRenderer test.
/// </summary>
public sealed class TemplateReferencesTests
{
    [Theory]
    [InlineData("Hangfire.Core")]
    [InlineData("Npgsql")]
    [InlineData("MailKit")]
    [InlineData("Microsoft.AspNetCore.Routing")]
    [InlineData("Microsoft.CodeAnalysis.CSharp")]
    [InlineData("newsletter")]
    public void NotNeeded_ListsALibraryNoTemplateCanReferTo_WhenTheHostReferencesIt(string library)
    {
        Assert.Contains(library, TemplateReferences.NotNeeded());
    }

    [Theory]
    [InlineData("Newsletter.Rendering")]
    [InlineData("Newsletter.Core")]
    [InlineData("RazorLight")]
    [InlineData("Markdig")]
    [InlineData("System.Runtime")]
    [InlineData("System.Linq")]
    [InlineData("Microsoft.CSharp")]
    [InlineData("Microsoft.AspNetCore.Html.Abstractions")]
    public void NotNeeded_KeepsALibraryATemplateMayUse(string library)
    {
        Assert.DoesNotContain(library, TemplateReferences.NotNeeded());
    }
}
