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
