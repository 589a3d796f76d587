using MimeKit;
using Newsletter.Delivery.Messages;
using Newsletter.Rendering;
using Newsletter.Storage;
using Newsletter.Tests.Storage;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Rendering;

/// <summary>The rendering a send stores when it is created, read back by another process, against a fresh render.</summary>
[Collection(RenderingCollection.Name)]
public sealed class StoredRenderingTests(RenderingFixture fixture) : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TempDatabase _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string?, string> Subscribers => new()
    {
        { "Ana <Müller> & co", "https://news.example.org/unsubscribe/ana?list=weekly&sig=9f" },
        { null, "https://news.example.org/unsubscribe/nobody?list=weekly&sig=01" },
        { "Zoë 山田 =?utf-8?", "https://news.example.org/unsubscribe/zoe=1?list=weekly&sig=ff" },
    };

    private async Task<(RenderedIssue Fresh, RenderedIssue Restored)> StoreAndReadBackAsync()
    {
        var issue = await new IssueStore(_temp.Database).SaveAsync(SampleIssue.Build(), None);
        var rendered = await fixture.RenderAsync(issue);
        await new IssueStore(_temp.Database).AddOrGetAsync(rendered.ToStored("readers"), None);

        // Another process: its own connection to the file, and a render of its own (other slot tokens) to compare with.
        var stored = await new IssueStore(new SqliteDatabase(_temp.FilePath)).FindAsync(issue.Number, "readers", None);
        Assert.NotNull(stored);
        return (await fixture.RenderAsync(issue), RenderedIssue.FromStored(issue, stored));
    }

    [Theory]
    [MemberData(nameof(Subscribers))]
    public async Task FromStored_PersonalisesExactlyAsAFreshRender_ForEverySubscriber(string? name, string unsubscribeUrl)
    {
        var (fresh, restored) = await StoreAndReadBackAsync();

        var expected = fresh.Personalise(name, unsubscribeUrl);
        var actual = restored.Personalise(name, unsubscribeUrl);

        Assert.Equal(expected.Html, actual.Html);
        Assert.Equal(expected.Text, actual.Text);
        Assert.Equal(fresh.Subject, restored.Subject);
    }

    [Theory]
    [MemberData(nameof(Subscribers))]
    public async Task FromStored_EncodesToABodyThatDecodesToTheFreshRendersBodies(string? name, string unsubscribeUrl)
    {
        var (fresh, restored) = await StoreAndReadBackAsync();
        var expected = fresh.Personalise(name, unsubscribeUrl);

        using var bytes = new MemoryStream();
        await new EncodedIssueBody(restored).Personalise(name, unsubscribeUrl).WriteToAsync(bytes);
        bytes.Position = 0;
        var body = Assert.IsType<MultipartAlternative>(await MimeEntity.LoadAsync(bytes));

        Assert.Equal(expected.Text, body.OfType<TextPart>().Single(p => p.IsPlain).Text);
        Assert.Equal(expected.Html, body.OfType<TextPart>().Single(p => p.IsHtml).Text);
    }

    [Fact]
    public async Task FromStored_Throws_WhenTheRenderingIsOfAnotherIssue()
    {
        var stored = fixture.Sample.ToStored("readers") with { IssueNumber = fixture.Sample.Issue.Number + 1 };

        Assert.Throws<ArgumentException>(() => RenderedIssue.FromStored(fixture.Sample.Issue, stored));
    }
}
