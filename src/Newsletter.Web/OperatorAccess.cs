namespace Newsletter.Web;

/// <summary>What a request may do on the operator pages.</summary>
public enum OperatorAccess
{
    /// <summary>No valid credentials from a non-loopback address.</summary>
    None,
    /// <summary>May look, not change anything.</summary>
    ReadOnly,
    /// <summary>May pause, resume and cancel sends and use the dashboard's buttons.</summary>
    Admin,
}
