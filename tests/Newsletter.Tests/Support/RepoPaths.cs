namespace Newsletter.Tests.Support;

/// <summary>Paths in the source tree, found by walking up from the test binaries to Newsletter.sln.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Templates => Path.Combine(Root, "templates");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Newsletter.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"No Newsletter.sln above {AppContext.BaseDirectory}; run the tests from the repository.");
    }
}
