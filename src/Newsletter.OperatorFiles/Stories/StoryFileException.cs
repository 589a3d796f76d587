namespace Newsletter.OperatorFiles.Stories;

/// <summary>
/// A story file that cannot be read as a story. <see cref="Exception.Message"/> is what the editor sees:
/// <c>stories/mlperf.md:4: date 'April 1' is not a date; write it as YYYY-MM-DD.</c>
/// </summary>
public sealed class StoryFileException : Exception
{
    public StoryFileException(string path, int line, string problem, Exception? innerException = null)
        : base(Format(path, line, problem), innerException)
    {
        Path = path;
        Line = line;
        Problem = problem;
    }

    /// <summary>The file, as the importer was given it.</summary>
    public string Path { get; }

    /// <summary>The 1-based line of the problem, or 0 when it concerns the whole file.</summary>
    public int Line { get; }

    /// <summary>What is wrong and what to do, without the path and line.</summary>
    public string Problem { get; }

    private static string Format(string path, int line, string problem) =>
        line > 0 ? $"{path}:{line}: {problem}" : $"{path}: {problem}";
}
