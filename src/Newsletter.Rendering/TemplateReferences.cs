using System.Reflection;
using Microsoft.Extensions.DependencyModel;

namespace Newsletter.Rendering;

/// <summary>
/// Which of the host's compile libraries the templates are compiled against. RazorLight's default is every one the entry
/// assembly was built with (PreserveCompilationContext): about 350 in the worker, all of ASP.NET Core, Hangfire, Npgsql,
/// MailKit, OpenTelemetry, Roslyn… It reads the metadata of each into memory and Roslyn binds over all of them, which made
/// the one-time compile the largest part of the worker's peak working set. A template sees only Newsletter.Rendering's world
/// (its models, Newsletter.Core's stories, RazorLight's page base) and the base class library, so the rest is excluded.
/// </summary>
internal static class TemplateReferences
{
    /// <summary>Names of the entry assembly's compile libraries that no template can refer to, for RazorLight's ExcludeAssemblies.</summary>
    /// <remarks>Empty (exclude nothing, RazorLight's default) when the entry assembly has no dependency context or does not list this assembly.</remarks>
    public static string[] NotNeeded()
    {
        var entry = Assembly.GetEntryAssembly();
        var context = entry is null ? null : DependencyContext.Load(entry);
        if (context is null)
            return [];
        var libraries = context.CompileLibraries.ToDictionary(l => l.Name, StringComparer.OrdinalIgnoreCase);
        var own = typeof(TemplateReferences).Assembly.GetName().Name!;
        if (!libraries.ContainsKey(own))
            return [];

        // This project and what it depends on, transitively, by the dependency graph in the deps file (nothing is loaded).
        var needed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Stack<string>([own]);
        while (pending.TryPop(out var name))
        {
            if (!needed.Add(name) || !libraries.TryGetValue(name, out var library))
                continue;
            foreach (var dependency in library.Dependencies)
                pending.Push(dependency.Name);
        }

        // The compiler is among RazorLight's dependencies, but no template refers to it.
        needed.RemoveWhere(name => name.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal));
        return libraries.Values.Where(l => !needed.Contains(l.Name) && !IsBaseClassLibrary(l.Name) && !IsRazorPageSurface(l.Name))
            .Select(l => l.Name)
            .ToArray();
    }

    /// <summary>The framework's own reference assemblies (System.*, netstandard, dynamic's binder): small, and anything a template may use.</summary>
    private static bool IsBaseClassLibrary(string name) =>
        name.StartsWith("System", StringComparison.Ordinal) || name is "netstandard" or "mscorlib" or "Microsoft.CSharp" or "Microsoft.VisualBasic"
            || name.StartsWith("Microsoft.Win32.", StringComparison.Ordinal);

    /// <summary>
    /// ASP.NET Core assemblies that RazorLight's page base exposes (IHtmlContent, tag helper types). RazorLight takes them through a
    /// framework reference, so the deps file does not list them as its dependencies.
    /// </summary>
    private static bool IsRazorPageSurface(string name) =>
        name.StartsWith("Microsoft.AspNetCore.Html", StringComparison.Ordinal) || name.StartsWith("Microsoft.AspNetCore.Razor", StringComparison.Ordinal)
            || name.StartsWith("Microsoft.AspNetCore.Mvc.Razor", StringComparison.Ordinal);
}
