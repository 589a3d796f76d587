using Newsletter.Rendering;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Rendering;

public sealed class IssueRendererTemplateErrorTests : IDisposable
{
    private readonly string _templates = Directory.CreateTempSubdirectory("newsletter-templates-").FullName;

    public IssueRendererTemplateErrorTests()
    {
        foreach (var file in Directory.GetFiles(RepoPaths.Templates))
            File.Copy(file, Path.Combine(_templates, Path.GetFileName(file)));
    }

    [Fact]
    public async Task RenderAsync_ThrowsTemplateExceptionNamingFileAndLine_WhenPartialDoesNotCompile()
    {
        var story = Path.Combine(_templates, "_Story.cshtml");
        File.AppendAllText(story, "@{ var broken = ; }\n");
        var brokenLine = File.ReadAllLines(story).Length;
        var renderer = RenderingFixture.CreateRenderer(_templates);

        var ex = await Assert.ThrowsAsync<TemplateException>(() =>
            renderer.RenderAsync(SampleIssue.Build(), RenderingFixture.Context, CancellationToken.None));

        Assert.Equal(story, ex.TemplatePath);
        Assert.Equal(brokenLine, ex.Line);
        Assert.Contains("_Story.cshtml", ex.Message);
    }

    [Fact]
    public async Task RenderAsync_ThrowsTemplateExceptionNamingPartialAndLine_WhenPartialThrowsWhileRendering()
    {
        var story = Path.Combine(_templates, "_Story.txt.cshtml");
        File.AppendAllText(story, "@{ throw new InvalidOperationException(\"boom\"); }\n");
        var throwingLine = File.ReadAllLines(story).Length;
        var renderer = RenderingFixture.CreateRenderer(_templates);

        var ex = await Assert.ThrowsAsync<TemplateException>(() =>
            renderer.RenderAsync(SampleIssue.Build(), RenderingFixture.Context, CancellationToken.None));

        Assert.Equal(story, ex.TemplatePath);
        Assert.Equal(throwingLine, ex.Line);
        Assert.Contains("boom", ex.Message);
    }

    [Theory]
    [InlineData("@{ throw new InvalidOperationException(\"boom\"); }")]
    [InlineData("@if (true) {")]
    [InlineData("@Model.NoSuchMember")]
    [InlineData("<p>@(</p>")]
    [InlineData("@{ string s = null; var n = s.Length; }")]
    [InlineData("@model int")]
    public async Task RenderAsync_NamesThePartial_WhenTheHtmlPartialIsBroken(string breakage)
    {
        var story = Path.Combine(_templates, "_Story.cshtml");
        File.AppendAllText(story, breakage + "\n");
        var renderer = RenderingFixture.CreateRenderer(_templates);

        var ex = await Assert.ThrowsAsync<TemplateException>(() =>
            renderer.RenderAsync(SampleIssue.Build(), RenderingFixture.Context, CancellationToken.None));

        Assert.True(story == ex.TemplatePath, ex.Message + "\n" + ex.InnerException);
    }

    [Fact]
    public async Task RenderAsync_ThrowsTemplateException_WhenTemplatesFolderMissing()
    {
        var renderer = RenderingFixture.CreateRenderer(Path.Combine(_templates, "nowhere"));

        var ex = await Assert.ThrowsAsync<TemplateException>(() =>
            renderer.RenderAsync(SampleIssue.Build(), RenderingFixture.Context, CancellationToken.None));

        Assert.Contains("TemplatesDirectory", ex.Message);
    }

    public void Dispose() => Directory.Delete(_templates, recursive: true);
}
