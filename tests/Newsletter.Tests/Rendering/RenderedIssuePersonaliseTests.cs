using Newsletter.Rendering;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Rendering;

[Collection(RenderingCollection.Name)]
public sealed class RenderedIssuePersonaliseTests(RenderingFixture fixture)
{
    private const string UnsubscribeUrl = "https://news.example.org/unsubscribe/abc?list=weekly&sig=9f";

    [Fact]
    public void Personalise_PutsHtmlEncodedName_InHtml()
    {
        var content = fixture.Sample.Personalise("Ana <Müller> & co", UnsubscribeUrl);

        Assert.Contains("Hi Ana &lt;Müller&gt; &amp; co,", content.Html);
    }

    [Fact]
    public void Personalise_PutsNameAsWritten_InText()
    {
        var content = fixture.Sample.Personalise("Ana <Müller> & co", UnsubscribeUrl);

        Assert.Contains("Hi Ana <Müller> & co,", content.Text);
    }

    [Fact]
    public void Personalise_GreetsThere_WhenNameMissing()
    {
        var content = fixture.Sample.Personalise("  ", UnsubscribeUrl);

        Assert.Contains("Hi there,", content.Html);
        Assert.Contains("Hi there,", content.Text);
    }

    [Fact]
    public void Personalise_LinksUnsubscribeUrl_InHtml()
    {
        var content = fixture.Sample.Personalise("Ana", UnsubscribeUrl);

        Assert.Matches(@"href=""https://news\.example\.org/unsubscribe/abc\?list=weekly&amp;sig=9f""[^>]*>Unsubscribe with one click</a>", content.Html);
    }

    [Fact]
    public void Personalise_PutsUnsubscribeUrlOnItsOwnLine_InText()
    {
        var content = fixture.Sample.Personalise("Ana", UnsubscribeUrl);

        Assert.Contains("\n" + UnsubscribeUrl + "\n", content.Text);
    }

    [Fact]
    public void Personalise_GivesDifferentOutput_ForTwoSubscribers()
    {
        var ana = fixture.Sample.Personalise("Ana", "https://news.example.org/unsubscribe/ana");
        var bob = fixture.Sample.Personalise("Bob", "https://news.example.org/unsubscribe/bob");

        Assert.NotEqual(ana.Html, bob.Html);
        Assert.NotEqual(ana.Text, bob.Text);
        Assert.DoesNotContain("/unsubscribe/ana", bob.Html + bob.Text);
        Assert.DoesNotContain("Hi Ana", bob.Html + bob.Text);
    }

    [Fact]
    public void Personalise_LeavesNoSlotTokens()
    {
        var content = fixture.Sample.Personalise("Ana", UnsubscribeUrl);

        Assert.DoesNotContain("zzslot", content.Html + content.Text);
    }

    [Fact]
    public async Task Personalise_RunsNoTemplate_WhenCalledAThousandTimes()
    {
        var renderer = fixture.Renderer;
        var rendered = await fixture.RenderAsync(SampleIssue.Build());
        var runsAfterRender = renderer.TemplateRuns;

        for (var i = 0; i < 1000; i++)
            rendered.Personalise($"Subscriber {i}", $"https://news.example.org/unsubscribe/{i}");

        Assert.Equal(runsAfterRender, renderer.TemplateRuns);
    }

    [Fact]
    public void Personalise_Throws_WhenUnsubscribeUrlMissing()
    {
        Assert.Throws<ArgumentException>(() => fixture.Sample.Personalise("Ana", ""));
    }
}
