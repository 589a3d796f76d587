using System.Reflection;
using System.Xml.Linq;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Architecture;

/// <summary>
/// The layering of src/, as a test: which of our projects may reference which. Checked twice, because each check alone
/// misses a case: the project files (a reference declared but not yet used compiles to nothing) and the compiled
/// assemblies (a type used through a reference that arrives transitively is not declared in the project file).
/// </summary>
public class ProjectLayeringTests
{
    /// <summary>Each project of src/ and the projects of ours it may reference. A project missing here fails the test.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        // The domain: types, rules and the small interfaces the others implement. It depends on nothing of ours.
        ["Newsletter.Core"] = [],
        // Where the process meets its host (the configuration binding, private files): I/O, so not in Core, and below every
        // project that does I/O. It depends on nothing of ours either.
        ["Newsletter.Hosting"] = [],
        ["Newsletter.Rendering"] = ["Newsletter.Core", "Newsletter.Hosting"],
        ["Newsletter.Storage"] = ["Newsletter.Core", "Newsletter.Hosting"],
        // What the operator edits in files (lists, story files): read where it lies, handed on as Core's types (stories go
        // to the store through Core's IStoryStore, so never through Storage).
        ["Newsletter.OperatorFiles"] = ["Newsletter.Core", "Newsletter.Hosting"],
        // The one exception among the adapters: the send engine personalises the body that rendering produced once per
        // issue (RenderedIssue and its SlottedText, and TemplateException for a body that fails to personalise).
        ["Newsletter.Delivery"] = ["Newsletter.Core", "Newsletter.Hosting", "Newsletter.Rendering"],
        // The pages compose the adapters; the host composes the pages, so the pages never reach back into the host.
        ["Newsletter.Web"] =
            ["Newsletter.Core", "Newsletter.Hosting", "Newsletter.Rendering", "Newsletter.Storage", "Newsletter.OperatorFiles", "Newsletter.Delivery"],
        // The host: Program.cs, the commands and the Hangfire adapters. Nothing in src/ references it.
        ["Newsletter.Worker"] =
            ["Newsletter.Core", "Newsletter.Hosting", "Newsletter.Rendering", "Newsletter.Storage", "Newsletter.OperatorFiles", "Newsletter.Delivery",
                "Newsletter.Web"],
    };

    public static TheoryData<string> Projects => [.. Allowed.Keys];

    [Fact]
    public void Layering_NamesEveryProjectInSrc()
    {
        var inSrc = Directory.GetDirectories(Path.Combine(RepoPaths.Root, "src"))
            .Where(d => File.Exists(Path.Combine(d, Path.GetFileName(d) + ".csproj")))
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal);

        Assert.Equal(Allowed.Keys.Order(StringComparer.Ordinal), inSrc);
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void ProjectFile_ReferencesOnlyTheProjectsTheLayeringAllows(string project)
    {
        var declared = ProjectFile(project).Descendants("ProjectReference")
            .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')));

        Assert.Empty(declared.Except(Allowed[project]));
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void CompiledAssembly_ReferencesOnlyTheProjectsTheLayeringAllows(string project)
    {
        var projectOfAssembly = Allowed.Keys.ToDictionary(AssemblyNameOf);
        var compiled = Assembly.Load(new AssemblyName(AssemblyNameOf(project))).GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(projectOfAssembly.ContainsKey)
            .Select(a => projectOfAssembly[a]);

        Assert.Empty(compiled.Except(Allowed[project]));
    }

    private static XDocument ProjectFile(string project) =>
        XDocument.Load(Path.Combine(RepoPaths.Root, "src", project, project + ".csproj"));

    /// <summary>The worker compiles to "newsletter", the name of the command; the others to their project's name.</summary>
    private static string AssemblyNameOf(string project) =>
        ProjectFile(project).Descendants("AssemblyName").SingleOrDefault()?.Value ?? project;
}
