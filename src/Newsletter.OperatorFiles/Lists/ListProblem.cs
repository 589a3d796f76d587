namespace Newsletter.OperatorFiles.Lists;

/// <summary>An error or warning found while loading a list.</summary>
/// <param name="ListName">The list the problem belongs to.</param>
/// <param name="Entry">Where it is: a config key such as <c>Newsletter:Lists:sample:Subscribers:2:Email</c>, or <c>lists/readers.csv line 14 (list 'readers')</c>.</param>
/// <param name="Value">The offending value, when there is one.</param>
/// <param name="Reason">What is wrong and how to fix it, phrased to follow the quoted value.</param>
public sealed record ListProblem(string ListName, string Entry, string? Value, string Reason)
{
    public override string ToString() =>
        Value is null ? $"{Entry}: {Reason}" : $"{Entry}: '{Value}' {Reason}";
}
