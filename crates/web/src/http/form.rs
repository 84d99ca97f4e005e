//! Reading numbers typed into a page's form: a field that is not a whole number gets a
//! field error in Chinese, never a made-up value that some later check misreports.

use jineng_app::{AppError, FieldError};

/// Numbers read from one form, and what was wrong with them.
#[derive(Default)]
pub struct FormNumbers {
    errors: Vec<FieldError>,
}

impl FormNumbers {
    /// `v` as an integer; an error for `field` when it is not one. `0` when left empty
    /// and `empty_is_zero`; otherwise empty is an error too.
    pub fn int(&mut self, field: &str, label: &str, v: &str, empty_is_zero: bool) -> i32 {
        let v = v.trim();
        if v.is_empty() && empty_is_zero {
            return 0;
        }
        match v.parse::<i32>() {
            Ok(n) => n,
            Err(_) => {
                self.errors
                    .push(FieldError::new(field, format!("{label}应为整数")));
                0
            }
        }
    }

    /// The errors found, if any.
    pub fn check(self) -> Result<(), AppError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self.errors))
        }
    }
}
