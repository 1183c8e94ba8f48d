//! The sandbox's random strings: tokens it issues and the peppers it
//! rotates to.

/// A random token: `prefix` and 32 alphanumerics.
pub(crate) fn new_token(prefix: &str) -> String {
    let mut token = String::with_capacity(prefix.len() + 32);
    token.push_str(prefix);
    token.extend(std::iter::repeat_with(fastrand::alphanumeric).take(32));
    token
}

/// A fresh pepper of the same length as `old` (at least 5 characters),
/// never `old` itself.
pub(crate) fn rotated(old: &str) -> String {
    let len = old.chars().count().max(5);
    loop {
        let new: String = std::iter::repeat_with(fastrand::alphanumeric)
            .take(len)
            .collect();
        if new != old {
            return new;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_their_prefix_and_peppers_change_but_keep_their_length() {
        let token = new_token("mxs_is_");
        assert_eq!(token.len(), "mxs_is_".len() + 32);
        assert!(token.starts_with("mxs_is_"));
        assert!(token[7..].bytes().all(|b| b.is_ascii_alphanumeric()));
        let pepper = rotated("FedCurrentPepper0123456789abcdef");
        assert_eq!(pepper.len(), 32);
        assert_ne!(pepper, "FedCurrentPepper0123456789abcdef");
        assert_eq!(rotated("").len(), 5);
        assert_eq!(rotated("ab").len(), 5);
    }
}
