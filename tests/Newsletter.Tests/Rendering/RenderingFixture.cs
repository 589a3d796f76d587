using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Newsletter.Core.Composition;
using Newsletter.Rendering;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Rendering;

/// <summary>One renderer over the real templates/ folder, shared by the rendering tests (compiling costs seconds).</summary>
public sealed class RenderingFixture : IAsyncLifetime
{
    public static readonly IssueRenderContext Context = new("Tensor Weekly (ML practitioners)", new Uri("https://news.example.org/issues/12"));

    public IssueRenderer Renderer { get; } = CreateRenderer(RepoPaths.Templates);

    /// <summary>The sample week, rendered once.</summary>
    public RenderedIssue Sample { get; private set; } = null!;

    /// <summary>The sample week personalised for a subscriber without a name.</summary>
    public PersonalisedContent SampleContent { get; private set; } = null!;

    public static IssueRenderer CreateRenderer(string templatesDirectory) => new(
        new TemplateEngine(Options.Create(new RenderingOptions { TemplatesDirectory = templatesDirectory })),
        Options.Create(new BrandingOptions { Name = "Tensor Weekly", PostalAddress = "12 Example Street, 1000 Brussels, Belgium" }),
        NullLogger<IssueRenderer>.Instance);

    public Task<RenderedIssue> RenderAsync(Issue issue) => Renderer.RenderAsync(issue, Context, CancellationToken.None);

    public async Task InitializeAsync()
    {
        Sample = await RenderAsync(SampleIssue.Build());
        SampleContent = Sample.Personalise(null, "https://news.example.org/unsubscribe/abc123?list=weekly&sig=x");
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

[CollectionDefinition(Name)]
public sealed class RenderingCollection : ICollectionFixture<RenderingFixture>
{
    public const string Name = "Rendering";
}
