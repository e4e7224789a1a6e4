/**
 * Name lists for synthetic children, in rough order of how common they are among children in
 * England and Wales (ONS baby-name and surname frequencies), so that common names repeat the way
 * they do in real records, which matters to matching (a shared "Smith" means less than a shared
 * "Okonkwo"). Includes names with apostrophes, accents, hyphens and particles so normalisation is
 * exercised. Every child built from them is fictional.
 */
export const BOYS_NAMES = [
  'Oliver', 'Jack', 'Harry', 'George', 'Noah', 'Charlie', 'Jacob', 'Muhammad', 'Thomas', 'Oscar',
  'William', 'James', 'Leo', 'Alfie', 'Henry', 'Joshua', 'Freddie', 'Archie', 'Ethan', 'Isaac',
  'Alexander', 'Joseph', 'Edward', 'Samuel', 'Max', 'Daniel', 'Arthur', 'Lucas', 'Mohammed', 'Logan',
  'Theo', 'Harrison', 'Benjamin', 'Mason', 'Sebastian', 'Finley', 'Adam', 'Dylan', 'Zachary', 'Riley',
  'Teddy', 'Theodore', 'David', 'Elijah', 'Jake', 'Toby', 'Louie', 'Reuben', 'Arlo', 'Hugo',
  'Jaxon', 'Luca', 'Matthew', 'Harvey', 'Reggie', 'Michael', 'Tommy', 'Jenson', 'Frankie', 'Ronnie',
  'Albie', 'Rory', 'Jayden', 'Liam', 'Ryan', 'Nathan', 'Tyler', 'Callum', 'Kyle', 'Connor',
  'Lewis', 'Luke', 'Jamie', 'Cameron', 'Aaron', 'Ben', 'Alex', 'Christopher', 'Nicholas', 'Anthony',
  'Robert', 'Frederick', 'Alfred', 'Stanley', 'Louis', 'Kian', 'Kai', 'Ibrahim', 'Yusuf', 'Ali',
  'Omar', 'Hamza', 'Ayaan', 'Aarav', 'Arjun', 'Kacper', 'Jakub', 'Szymon', 'Oluwaseun', 'Chidi',
  'Kofi', 'Tomás', 'José', 'Mateo', 'Eóin', 'Seán', 'Rhys', 'Dafydd', 'Callan', 'Jean-Luc',
] as const;

export const GIRLS_NAMES = [
  'Olivia', 'Amelia', 'Isla', 'Ava', 'Mia', 'Ivy', 'Lily', 'Isabella', 'Rosie', 'Sophia',
  'Grace', 'Freya', 'Willow', 'Florence', 'Emily', 'Ella', 'Poppy', 'Evie', 'Elsie', 'Charlotte',
  'Evelyn', 'Sienna', 'Sofia', 'Daisy', 'Phoebe', 'Sophie', 'Alice', 'Harper', 'Matilda', 'Ruby',
  'Emilia', 'Maya', 'Millie', 'Isabelle', 'Eva', 'Luna', 'Jessica', 'Aria', 'Chloe', 'Esme',
  'Lucy', 'Hannah', 'Holly', 'Layla', 'Maisie', 'Scarlett', 'Imogen', 'Erin', 'Megan', 'Lola',
  'Katie', 'Amy', 'Lauren', 'Bethany', 'Abigail', 'Eleanor', 'Elizabeth', 'Rebecca', 'Victoria', 'Jennifer',
  'Margaret', 'Catherine', 'Katherine', 'Alexandra', 'Samantha', 'Natalie', 'Leah', 'Zara', 'Aisha', 'Fatima',
  'Maryam', 'Zainab', 'Hafsa', 'Amira', 'Priya', 'Ananya', 'Simran', 'Zuzanna', 'Wiktoria', 'Oliwia',
  'Amara', 'Adaeze', 'Chiamaka', 'Abena', 'Zoë', 'Chloé', 'Renée', 'Niamh', 'Siobhán', 'Aoife',
  'Ffion', 'Seren', 'Mary-Jane', 'Lily-May', 'Ellie-Mae', 'Tia', 'Demi', 'Courtney', 'Jade', 'Shannon',
] as const;

export const FAMILY_NAMES = [
  'Smith', 'Jones', 'Williams', 'Taylor', 'Brown', 'Davies', 'Evans', 'Wilson', 'Thomas', 'Johnson',
  'Roberts', 'Robinson', 'Thompson', 'Wright', 'Walker', 'White', 'Edwards', 'Hughes', 'Green', 'Hall',
  'Lewis', 'Harris', 'Clarke', 'Patel', 'Jackson', 'Wood', 'Turner', 'Martin', 'Cooper', 'Hill',
  'Ward', 'Morris', 'Moore', 'Clark', 'Lee', 'King', 'Baker', 'Harrison', 'Morgan', 'Allen',
  'James', 'Scott', 'Phillips', 'Watson', 'Davis', 'Parker', 'Price', 'Bennett', 'Young', 'Griffiths',
  'Mitchell', 'Kelly', 'Cook', 'Carter', 'Richardson', 'Bailey', 'Collins', 'Bell', 'Shaw', 'Murphy',
  'Miller', 'Cox', 'Richards', 'Khan', 'Marshall', 'Anderson', 'Simpson', 'Ellis', 'Adams', 'Singh',
  'Begum', 'Wilkinson', 'Foster', 'Chapman', 'Powell', 'Webb', 'Rogers', 'Gray', 'Mason', 'Ali',
  'Hunt', 'Hussain', 'Campbell', 'Matthews', 'Owen', 'Palmer', 'Holmes', 'Mills', 'Barnes', 'Knight',
  'Lloyd', 'Butler', 'Russell', 'Barker', 'Fisher', 'Stevens', 'Jenkins', 'Murray', 'Dixon', 'Harvey',
  'Ahmed', 'Rahman', 'Akhtar', 'Kaur', 'Sharma', 'Mistry', 'Chowdhury', 'Miah', 'Iqbal', 'Mahmood',
  "O'Brien", "O'Connor", "O'Neill", "O'Sullivan", 'McDonald', 'MacLeod', 'McCarthy', 'Fitzgerald', 'Doherty', 'Gallagher',
  'Nowak', 'Kowalski', 'Wiśniewska', 'Kowalczyk', 'Lewandowski', 'Popescu', 'Ionescu', 'Kazlauskas', 'Horváth', 'Novák',
  'Okafor', 'Adeyemi', 'Mensah', 'Okonkwo', 'Boateng', 'Osei', 'Mohamed', 'Abdi', 'Yilmaz', 'Demir',
  'Nguyen', 'Chen', 'Wong', 'Li', 'Da Silva', 'Fernandes', 'Rodríguez', 'García', 'De Souza', 'van der Berg',
  'Smith-Jones', 'Taylor-Brown', 'Ffrench', 'St. John', 'Ap Rhys', 'Lloyd-Williams', 'Ó Briain', 'Müller', 'Søndergaard', 'Ćosić',
] as const;

/**
 * Forms of a given name one agency might record where another recorded the formal one. The
 * project's own short list for synthetic duplicates; matching keeps its own variant data.
 */
export const NICKNAMES: Readonly<Record<string, readonly string[]>> = {
  William: ['Will', 'Bill', 'Billy', 'Liam'], Thomas: ['Tom', 'Tommy'], James: ['Jim', 'Jimmy', 'Jamie'],
  Robert: ['Rob', 'Bob', 'Bobby'], Alexander: ['Alex', 'Xander'], Alexandra: ['Alex', 'Lexi'], Samuel: ['Sam', 'Sammy'],
  Benjamin: ['Ben', 'Benji'], Joseph: ['Joe', 'Joey'], Daniel: ['Dan', 'Danny'], Michael: ['Mike', 'Mikey'],
  Christopher: ['Chris', 'Kit'], Matthew: ['Matt'], Nicholas: ['Nick', 'Nicky'], Anthony: ['Tony'], Edward: ['Ed', 'Eddie', 'Ted'],
  Frederick: ['Fred', 'Freddie'], Alfred: ['Alfie', 'Alf'], Theodore: ['Theo', 'Teddy'], Henry: ['Harry', 'Hal'],
  Oliver: ['Ollie'], Joshua: ['Josh'], Jacob: ['Jake'], Zachary: ['Zach', 'Zac'], Nathan: ['Nate'], Charles: ['Charlie'],
  Muhammad: ['Mohammed', 'Mo'], Mohammed: ['Muhammad', 'Mo'], Ibrahim: ['Ibby'], Louis: ['Lou'], Stanley: ['Stan'],
  Elizabeth: ['Beth', 'Lizzie', 'Libby', 'Eliza'], Katherine: ['Kate', 'Katie', 'Kathy'], Catherine: ['Cath', 'Cathy', 'Kate'],
  Margaret: ['Maggie', 'Peggy', 'Meg'], Jessica: ['Jess', 'Jessie'], Rebecca: ['Becky', 'Becca'], Victoria: ['Vicky', 'Tori'],
  Jennifer: ['Jen', 'Jenny'], Abigail: ['Abbie', 'Abby'], Olivia: ['Liv', 'Livvy'], Isabella: ['Izzy', 'Bella'],
  Isabelle: ['Izzy', 'Belle'], Sophia: ['Sophie'], Sophie: ['Soph'], Amelia: ['Millie', 'Amy'], Emily: ['Em', 'Emmy'],
  Eleanor: ['Ellie', 'Nell'], Evelyn: ['Evie'], Florence: ['Flo', 'Florrie'], Matilda: ['Tilly', 'Tilda'],
  Samantha: ['Sam', 'Sammie'], Natalie: ['Nat'], Imogen: ['Immy'], Charlotte: ['Lottie', 'Charlie'], Megan: ['Meg'],
  Phoebe: ['Phoebs'], Elsie: ['Els'], Hannah: ['Han'], Chloe: ['Chlo'],
};

/** Stems and kinds of British street names; combined they give "Station Road", "Mill Lane"… */
export const STREET_STEMS = [
  'High', 'Station', 'Church', 'Victoria', 'Park', 'Mill', "Queen's", "King's", 'Albert', 'York', 'Manor', 'Chapel',
  'Grange', 'Highfield', 'Moor', 'Green', 'Westfield', 'Springfield', 'Windsor', 'Beech', 'Oak', 'Ash', 'Elm',
  'Willow', 'Meadow', 'Orchard', 'School', 'North', 'South', 'Brook', 'Hollins', 'Cross', 'Market', 'Nelson',
  'Stanley', 'Balmoral', 'Cavendish', 'Clarendon', 'Hyde Park', 'Harehills', 'Gipton', 'Fernbank', 'Ladybarn',
  'Hartley', 'Saxon', 'Thornhill', 'Woodland', 'Coronation', 'Jubilee', 'Alexandra', 'Vicarage', 'Rectory',
] as const;
export const STREET_KINDS = ['Road', 'Street', 'Lane', 'Avenue', 'Close', 'Drive', 'Grove', 'Crescent', 'Terrace', 'Way', 'Place', 'Gardens', 'Court', 'View', 'Rise', 'Walk'] as const;

/** Given names of parents and carers (born roughly 1965–2005), most common first. */
export const WOMEN_NAMES = [
  'Sarah', 'Emma', 'Laura', 'Rebecca', 'Gemma', 'Charlotte', 'Amy', 'Kelly', 'Claire', 'Nicola',
  'Hannah', 'Jessica', 'Lauren', 'Rachel', 'Stacey', 'Danielle', 'Katie', 'Jodie', 'Leanne', 'Samantha',
  'Lisa', 'Michelle', 'Joanne', 'Louise', 'Kirsty', 'Natalie', 'Jade', 'Chloe', 'Sophie', 'Zoe',
  'Hayley', 'Victoria', 'Sharon', 'Donna', 'Tracey', 'Karen', 'Julie', 'Amanda', 'Helen', 'Catherine',
  'Fatima', 'Ayesha', 'Nazia', 'Shazia', 'Sadia', 'Priya', 'Anjali', 'Agnieszka', 'Katarzyna', 'Ioana',
  'Chidinma', 'Ngozi', 'Abimbola', 'Grace', 'Precious', 'Siobhan', 'Ceri', 'Bethan', 'Aisling', 'Marta',
] as const;

export const MEN_NAMES = [
  'David', 'Daniel', 'James', 'Michael', 'Christopher', 'Matthew', 'Andrew', 'Paul', 'Mark', 'Craig',
  'Lee', 'Ryan', 'Adam', 'Thomas', 'Jamie', 'Liam', 'Kyle', 'Dean', 'Carl', 'Wayne',
  'Jason', 'Stephen', 'Richard', 'Robert', 'John', 'Scott', 'Gary', 'Darren', 'Shaun', 'Ashley',
  'Mohammed', 'Imran', 'Asif', 'Tariq', 'Sanjay', 'Rajesh', 'Piotr', 'Tomasz', 'Andrei', 'Chukwuemeka',
  'Kwame', 'Emeka', 'Declan', 'Sean', 'Gareth', 'Rhodri', 'Connor', 'Nathan', 'Jordan', 'Luke',
] as const;

/** Postcode districts inside each council's area (a realistic subset of the real ones). */
export const POSTCODE_DISTRICTS: Readonly<Record<string, readonly number[]>> = {
  LS: range(1, 29), BS: range(1, 16), M: [1, 4, 8, 9, 11, 12, 13, 14, 15, 16, 18, 19, 20, 21, 22, 23, 40], NG: range(1, 11),
  S: [...range(1, 14), 17, 20, 35], E: [6, 7, 12, 13, 15, 16, 20],
};
/** Postcode units never use C, I, K, M, O or V. */
export const POSTCODE_UNIT_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
