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

    [Fact]
    public async Task RenderAsync_NamesThePartialAndItsModelLine_WhenThePartialDeclaresAModelItIsNotGiven()
    {
        // RazorLight fails while setting the partial up, in its own code: the nearest template frame is the line that
        // includes the partial (Issue.cshtml line 114), but the mistake is the partial's @model.
        var story = Path.Combine(_templates, "_Story.cshtml");
        File.WriteAllText(story, "@* a story *@\n@model string\n<p>@Model</p>\n");
        var renderer = RenderingFixture.CreateRenderer(_templates);

        var ex = await Assert.ThrowsAsync<TemplateException>(() =>
            renderer.RenderAsync(SampleIssue.Build(), RenderingFixture.Context, CancellationToken.None));

        Assert.Equal((story, 2), (ex.TemplatePath, ex.Line));
        Assert.StartsWith($"Template {story} line 2 failed while rendering", ex.Message);
        Assert.Contains("InvalidCastException", ex.Message);
    }

    [Theory]
    [InlineData("@{ string s = null; var n = s.Length; }")]
    [InlineData("@if (true) {")]
    [InlineData("@Model.NoSuchMember")]
    public async Task RenderAsync_NamesThePartial_WhenTheHtmlPartialIsBrokenAnotherWay(string breakage)
    {
        var story = Path.Combine(_templates, "_Story.cshtml");
        File.AppendAllText(story, breakage + "\n");
        var renderer = RenderingFixture.CreateRenderer(_templates);

        var ex = await Assert.ThrowsAsync<TemplateException>(() =>
            renderer.RenderAsync(SampleIssue.Build(), RenderingFixture.Context, CancellationToken.None));

        Assert.Equal(story, ex.TemplatePath);
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
