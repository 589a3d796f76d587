namespace Newsletter.OperatorFiles.Lists;

/// <summary>Whether a list accepts readers from its web signup form: <c>Newsletter:Lists:{name}:Signup</c>.</summary>
public sealed class ListSignupOptions
{
    /// <summary>Serve the list's signup form and accept what it sends (double opt-in). Off unless set.</summary>
    public bool Enabled { get; set; }

    /// <summary>What the reader agrees to, shown beside the form's button; required when <see cref="Enabled"/>. Its hash is kept with each reader.</summary>
    public string? ConsentText { get; set; }
}
