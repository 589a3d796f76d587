namespace Newsletter.Delivery.Unsubscribe;

/// <summary>Signing key for unsubscribe links. Section <c>Newsletter:Unsubscribe</c>.</summary>
public sealed class UnsubscribeOptions
{
    public const string SectionName = "Newsletter:Unsubscribe";

    /// <summary>Minimum length accepted for <see cref="SecretKey"/>.</summary>
    public const int MinimumSecretKeyLength = 16;

    /// <summary>
    /// The HMAC key. Never put it in appsettings.json: set the environment variable
    /// <c>Newsletter__Unsubscribe__SecretKey</c>. When empty, a random key is generated once and kept in <see cref="KeyFile"/>.
    /// </summary>
    public string? SecretKey { get; set; }

    /// <summary>Where the generated fallback key lives; relative paths are resolved against the content root.</summary>
    public string KeyFile { get; set; } = "data/unsubscribe.key";
}
