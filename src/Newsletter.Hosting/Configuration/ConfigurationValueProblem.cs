using Microsoft.Extensions.Configuration;

namespace Newsletter.Hosting.Configuration;

/// <summary>A configured value that cannot be read as its setting's type.</summary>
/// <param name="Key">The full key, e.g. <c>Newsletter:Delivery:BatchSize</c>.</param>
/// <param name="Value">The value as written.</param>
/// <param name="Expected">What would be accepted, phrased to follow "write", e.g. "one of Pickup, Smtp".</param>
public sealed record ConfigurationValueProblem(string Key, string Value, string Expected)
{
    /// <summary>One line: where it was set, the key, the value and what to write instead.</summary>
    public string Describe(IConfiguration configuration) =>
        $"{ConfigurationKeySource.Describe(configuration, Key)}: {Key} is \"{Value}\", which is not valid; write {Expected}.";
}
