using Newsletter.Rendering;

namespace Newsletter.Tests.Rendering;

public sealed class StoryMarkdownTests
{
    [Fact]
    public void ToPlainText_ReplacesLinkWithNumberedReference()
    {
        var references = new LinkReferences();

        var text = StoryMarkdown.ToPlainText("Read **the** [paper](https://arxiv.org/abs/1).", references);

        Assert.Equal("Read the paper [1].", text);
        Assert.Equal(["[1] https://arxiv.org/abs/1"], references.TakeNew());
    }

    [Fact]
    public void ToHtml_EscapesRawHtml()
    {
        Assert.Equal("<p>a &lt;b&gt;x&lt;/b&gt;</p>", StoryMarkdown.ToHtml("a <b>x</b>"));
    }
}

/// <summary>Defence in depth: a summary stored without the import check (stories add, an older store) renders hostile links as text.</summary>
public sealed class StoryMarkdownLinkPolicyTests
{
    [Theory]
    [InlineData("[click me](javascript:alert(1))", "click me")]
    [InlineData("[click me](JaVaScRiPt:alert(1))", "click me")]
    [InlineData("[click me](&#106;avascript:alert(1))", "click me")]
    [InlineData("[click me](data:text/html;base64,PHNjcmlwdD4=)", "click me")]
    [InlineData("[click me](vbscript:msgbox(1))", "click me")]
    [InlineData("[click me](/sends/1/cancel)", "click me")]
    [InlineData("[click me][r]\n\n[r]: javascript:alert(1)", "click me")]
    [InlineData("<javascript:alert(1)>", "javascript:alert(1)")]
    [InlineData("![a chart](data:image/svg+xml,<svg onload=alert(1)>)", "a chart")]
    [InlineData("![a chart](http://example.com/c.png)", "a chart")]
    public void ToHtml_RendersLinkAsPlainText_WhenItsTargetIsNotHttpsHttpOrMailto(string markdown, string text)
    {
        var html = StoryMarkdown.ToHtml(markdown);

        Assert.DoesNotContain("href", html);
        Assert.DoesNotContain("src=", html);
        Assert.Contains(text.Replace("<", "&lt;"), html);
    }

    [Fact]
    public void ToHtml_KeepsLinksAndImages_WhenTheyAreHttpsHttpOrMailto()
    {
        var html = StoryMarkdown.ToHtml("[a](https://a.example/) [b](http://b.example/) [c](mailto:c@example.com) ![d](https://d.example/d.png)");

        Assert.Contains("href=\"https://a.example/\"", html);
        Assert.Contains("href=\"http://b.example/\"", html);
        Assert.Contains("href=\"mailto:c@example.com\"", html);
        Assert.Contains("src=\"https://d.example/d.png\"", html);
    }

    [Fact]
    public void ToPlainText_GivesNoReference_WhenLinkTargetIsNotAllowed()
    {
        var references = new LinkReferences();

        var text = StoryMarkdown.ToPlainText("Do [this](javascript:alert(1)).", references);

        Assert.Equal("Do this.", text);
        Assert.Empty(references.TakeNew());
    }
}
