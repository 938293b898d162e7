//! [`Change`]: the entries as one [`Store::update`](super::Store::update) sees and changes
//! them, with the old value of every entry it touched.

use std::collections::BTreeMap;

/// The entries during one [`Store::update`](super::Store::update): read them, and insert,
/// change or remove entries; what changed is written when the update's closure returns.
#[derive(Debug)]
pub struct Change<'a, V> {
    entries: &'a mut BTreeMap<String, V>,
    /// The value each touched key had before the update, in the order first touched.
    touched: Vec<(String, Option<V>)>,
}

impl<'a, V: Clone + PartialEq> Change<'a, V> {
    pub(super) fn new(entries: &'a mut BTreeMap<String, V>) -> Self {
        Self {
            entries,
            touched: Vec::new(),
        }
    }

    /// Every entry as it stands in this update.
    pub fn entries(&self) -> &BTreeMap<String, V> {
        self.entries
    }

    /// The value of `key` as it stands in this update.
    pub fn get(&self, key: &str) -> Option<&V> {
        self.entries.get(key)
    }

    /// Whether `key` has a value in this update.
    pub fn contains_key(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    /// The value of `key`, to change in place.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        if self.entries.contains_key(key) {
            self.touch(key);
        }
        self.entries.get_mut(key)
    }

    /// Sets the value of `key`; returns the value it had.
    pub fn insert(&mut self, key: impl Into<String>, value: V) -> Option<V> {
        let key = key.into();
        self.touch(&key);
        self.entries.insert(key, value)
    }

    /// Removes `key`; returns the value it had.
    pub fn remove(&mut self, key: &str) -> Option<V> {
        if !self.entries.contains_key(key) {
            return None;
        }
        self.touch(key);
        self.entries.remove(key)
    }

    /// Removes every entry for which `keep` returns `false`, in key order.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &V) -> bool) {
        let gone: Vec<String> = self
            .entries
            .iter()
            .filter(|(key, value)| !keep(key, value))
            .map(|(key, _)| key.clone())
            .collect();
        for key in gone {
            self.remove(&key);
        }
    }

    /// Records the value `key` had before its first change in this update.
    fn touch(&mut self, key: &str) {
        if !self.touched.iter().any(|(touched, _)| touched == key) {
            let old = self.entries.get(key).cloned();
            self.touched.push((key.to_owned(), old));
        }
    }

    /// The keys whose value differs from the one before the update, in the order first
    /// touched, with their old values.
    pub(super) fn finish(self) -> Vec<(String, Option<V>)> {
        let entries = self.entries;
        self.touched
            .into_iter()
            .filter(|(key, old)| entries.get(key) != old.as_ref())
            .collect()
    }
}
