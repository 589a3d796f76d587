using Microsoft.Extensions.Options;
using Newsletter.Rendering;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Rendering;

/// <summary>Templates are compiled once per change, not once per process: what one engine compiled, the next one loads.</summary>
public sealed class CompiledTemplatesFolderTests : IDisposable
{
    private readonly TempFolder _templates = new();
    private readonly TempFolder _compiled = new();

    public void Dispose()
    {
        _templates.Dispose();
        _compiled.Dispose();
    }

    private TemplateEngine NewEngine() => new(Options.Create(new RenderingOptions
    {
        TemplatesDirectory = _templates.Path,
        CompiledTemplatesDirectory = _compiled.Path,
    }));

    private Dictionary<string, DateTime> CompiledFiles() =>
        Directory.EnumerateFiles(_compiled.Path, "*.dll", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc);

    [Fact]
    public async Task RenderAsync_LoadsTheCompiledTemplateInsteadOfCompiling_WhenAnotherEngineCompiledItBefore()
    {
        _templates.File("Hello.cshtml", "Hello @Model!");
        Assert.Equal("Hello world!", await NewEngine().RenderAsync("Hello.cshtml", "world"));
        var compiled = CompiledFiles();
        Assert.Single(compiled);

        // A compile writes the file again (RazorLight's precompile callback); loading it leaves it as it was.
        Assert.Equal("Hello again!", await NewEngine().RenderAsync("Hello.cshtml", "again"));

        Assert.Equal(compiled, CompiledFiles());
    }

    [Fact]
    public async Task RenderAsync_CompilesTheChangedTemplate_WhenItsContentChangedSinceTheLastCompile()
    {
        _templates.File("Hello.cshtml", "Hello @Model!");
        await NewEngine().RenderAsync("Hello.cshtml", "world");

        _templates.File("Hello.cshtml", "Goodbye @Model.");

        Assert.Equal("Goodbye world.", await NewEngine().RenderAsync("Hello.cshtml", "world"));
        Assert.Equal(2, CompiledFiles().Count);
    }

    [Fact]
    public async Task RenderAsync_LeavesAPlainTextTemplateUnencoded_WhenItIsLoadedFromTheCompiledFolder()
    {
        // Written as it will be read: the text part of the email is not HTML, so "R&D · Q&A" must not become entities.
        _templates.File("Note.txt.cshtml", "@Model");
        _templates.File("Page.txt.cshtml", "@Model / @{ await IncludeAsync(\"_Part.txt.cshtml\", Model); }");
        _templates.File("_Part.txt.cshtml", "@Model");
        Assert.Equal("R&D · Q&A", await NewEngine().RenderAsync("Note.txt.cshtml", "R&D · Q&A"));
        await NewEngine().RenderAsync("Page.txt.cshtml", "x");

        Assert.Equal("R&D · Q&A", await NewEngine().RenderAsync("Note.txt.cshtml", "R&D · Q&A"));
        Assert.Equal("R&D / R&D", await NewEngine().RenderAsync("Page.txt.cshtml", "R&D"));
    }

    [Fact]
    public async Task FirstCompile_RemovesTheCompiledTemplatesOfATemplatesFolderThatNoLongerExists()
    {
        using var other = new TempFolder();
        other.File("Other.cshtml", "Other @Model");
        var otherEngine = new TemplateEngine(Options.Create(new RenderingOptions
        {
            TemplatesDirectory = other.Path,
            CompiledTemplatesDirectory = _compiled.Path,
        }));
        await otherEngine.RenderAsync("Other.cshtml", "x");
        var othersCompiled = FolderFor(other.Path);
        Assert.True(Directory.Exists(othersCompiled));
        other.Dispose();

        _templates.File("Hello.cshtml", "Hello @Model!");
        await NewEngine().RenderAsync("Hello.cshtml", "world");

        Assert.False(Directory.Exists(othersCompiled));
        Assert.True(Directory.Exists(FolderFor(_templates.Path)));
    }

    [Fact]
    public async Task FirstCompile_RemovesAnotherBuildsTemplates_OnlyOnceUnusedForThirtyDays()
    {
        var stale = Path.Combine(_compiled.Path, "0123456789ab");
        var recent = Path.Combine(_compiled.Path, "ba9876543210");
        foreach (var (build, age) in new[] { (stale, TimeSpan.FromDays(31)), (recent, TimeSpan.FromDays(29)) })
        {
            var file = Path.Combine(build, "templates", "Issue.dll");
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllBytes(file, [1]);
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow - age);
        }

        _templates.File("Hello.cshtml", "Hello @Model!");
        await NewEngine().RenderAsync("Hello.cshtml", "world");

        Assert.False(Directory.Exists(stale));
        Assert.True(Directory.Exists(recent));
    }

    private string FolderFor(string templatesDirectory) =>
        new CompiledTemplatesFolder(new RenderingOptions { CompiledTemplatesDirectory = _compiled.Path }, Path.GetFullPath(templatesDirectory)).Directory;
}
