using Microsoft.Extensions.Options;
using Newsletter.Rendering;
using Newsletter.Rendering.Pages;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Rendering;

/// <summary>The pages' templates (templates/pages/) rendered through <see cref="PageRenderer"/>, without a web host.</summary>
public sealed class PageRendererTests(PageRendererTests.RealTemplates templates) : IClassFixture<PageRendererTests.RealTemplates>
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task RenderAsync_WrapsThePageInTheLayout_WithTheNewslettersBranding()
    {
        var html = await templates.Renderer.RenderAsync("unsubscribe/Confirm", Confirm("ada@example.com"), None);

        Assert.StartsWith("<!DOCTYPE html>", html.TrimStart());
        Assert.Contains("<title>Unsubscribe · Pages Weekly</title>", html);
        Assert.Contains("<span class=\"b\">Pages Weekly</span>", html);
        Assert.Contains("color:#0a7c5a", html);
        Assert.Contains("1 Layout Lane, Ghent", html);
        Assert.Contains("<h1>Unsubscribe from Weekly readers?</h1>", html);
        Assert.Contains("action=\"/unsubscribe/tok.en\"", html);
    }

    [Fact]
    public async Task RenderAsync_HtmlEncodesEveryModelValue()
    {
        var html = await templates.Renderer.RenderAsync("unsubscribe/Confirm", Confirm("\"><script>alert(1)</script>@example.com"), None);

        Assert.DoesNotContain("<script>", html);
        Assert.Contains("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;@example.com", html);
    }

    [Fact]
    public async Task RenderAsync_ShowsTheLogoWithTheNameAsAltText_WhenLogoUrlIsSet()
    {
        var renderer = new PageRenderer(new TemplateEngine(Options.Create(new RenderingOptions { TemplatesDirectory = RepoPaths.Templates })),
            Options.Create(new BrandingOptions { Name = "Pages Weekly", LogoUrl = "https://news.example.org/logo.png" }));

        var html = await renderer.RenderAsync("unsubscribe/Help", new PageModel(), None);

        Assert.Contains("<img src=\"https://news.example.org/logo.png\" alt=\"Pages Weekly\">", html);
    }

    [Fact]
    public async Task RenderAsync_ThrowsTemplateExceptionNamingTheFile_WhenThePageTemplateIsMissing()
    {
        var ex = await Assert.ThrowsAsync<TemplateException>(() => templates.Renderer.RenderAsync("unsubscribe/Nowhere", new PageModel(), None));

        Assert.Equal(Path.Combine(RepoPaths.Templates, "pages", "unsubscribe", "Nowhere.cshtml"), ex.TemplatePath);
    }

    [Fact]
    public async Task RenderAsync_UsesTheTemplateFilesAsTheyAreOnDisk_SoAnOperatorCanBrandThePagesWithoutRebuilding()
    {
        var folder = Directory.CreateTempSubdirectory("newsletter-pages-").FullName;
        try
        {
            CopyFolder(RepoPaths.Templates, folder);
            var layout = Path.Combine(folder, "pages", "_Layout.cshtml");
            File.WriteAllText(layout, File.ReadAllText(layout).Replace("<main>", "<main><p class=\"tagline\">Brewed in Ghent</p>", StringComparison.Ordinal));
            var renderer = new PageRenderer(new TemplateEngine(Options.Create(new RenderingOptions { TemplatesDirectory = folder })),
                Options.Create(new BrandingOptions { Name = "Pages Weekly" }));

            var html = await renderer.RenderAsync("unsubscribe/Help", new PageModel(), None);

            Assert.Contains("<p class=\"tagline\">Brewed in Ghent</p>", html);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static UnsubscribePage Confirm(string email) => new("Weekly readers", email, "/unsubscribe/tok.en", "/unsubscribe/tok.en/resubscribe");

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>One renderer over the repository's templates/ folder, shared by the tests above (the first compile costs seconds).</summary>
    public sealed class RealTemplates
    {
        public PageRenderer Renderer { get; } = new(
            new TemplateEngine(Options.Create(new RenderingOptions { TemplatesDirectory = RepoPaths.Templates })),
            Options.Create(new BrandingOptions { Name = "Pages Weekly", AccentColor = "#0a7c5a", PostalAddress = "1 Layout Lane, Ghent" }));
    }
}
